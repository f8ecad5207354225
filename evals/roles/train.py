"""Train the sentence-role model on the dev set and write qa/data/roles.npz (issue #18), reproducibly.

    HF_HUB_OFFLINE=1 PYTHONPATH=$PWD python evals/roles/train.py          # write the weights
    HF_HUB_OFFLINE=1 PYTHONPATH=$PWD python evals/roles/train.py --cv     # only cross-validate on dev

One multinomial logistic regression (scikit-learn, lbfgs, deterministic) over all seven roles,
classes weighted by their inverse frequency, over the features of `qa.index.roles.features` and
the TF-IDF of the sentence's words and word pairs (terms in at least two dev sentences, the
vectorizer's vocabulary and IDF shipped as `qa.index.roles.Lexicon`, whose scores are checked here
to equal scikit-learn's). `--cv` scores the choices by 5-fold cross-validation grouped by council,
on dev only. The test set is never read here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import labelled, matrix, stock_keys  # noqa: E402

from qa.index.roles import MODEL_PATH, ROLES, Lexicon, RoleModel  # noqa: E402

C = 8.0  # chosen by --cv on dev (8 and 16 score alike; the stronger regularisation kept)
WORDS_WEIGHT = 1.5  # the TF-IDF block's scale against the vectors' (chosen by --cv on dev)
# Strength, concern and finding weighed as frequent as the labelled set has them, not weighted up to
# balance: weighting the rarer concern up made the model call praise a concern in reports graded good
# (the third draw, README). The rare roles of structure (stock text, labels, improvement items,
# procedure) weighed 3 times, so that stock text is still found. On dev --cv, 1,748 sentences:
# "balanced" accuracy 0.841, strength called concern 67; as found 0.848, 45 (boilerplate recall
# 0.88 -> 0.75); this 0.850, 44 (boilerplate recall 0.83).
CLASS_WEIGHT: str | dict[str, float] | None = {"strength": 1.0, "concern": 1.0, "finding": 1.0, "improvement": 3.0,
                                               "label": 3.0, "boilerplate": 3.0, "procedure": 3.0}


def vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, token_pattern=r"(?u)\b\w+\b", dtype=np.float64)


def fit(x: np.ndarray, texts: list[str], roles: np.ndarray, c: float = C, words: float = WORDS_WEIGHT,
        class_weight: str | dict[str, float] | None = CLASS_WEIGHT) -> RoleModel:
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    tfidf = vectorizer()
    w = tfidf.fit_transform(texts)
    model = LogisticRegression(C=c, max_iter=10000, class_weight=class_weight).fit(
        sp.hstack([sp.csr_matrix(x), words * w]).tocsr(), roles)
    dense, lexical = model.coef_[:, : x.shape[1]], model.coef_[:, x.shape[1]:] * words
    weights = np.zeros((x.shape[1], len(ROLES)), dtype=np.float32)
    word_weights = np.zeros((w.shape[1], len(ROLES)), dtype=np.float32)
    bias = np.full(len(ROLES), -1e4, dtype=np.float32)  # a role absent from the training data is never chosen
    for k, name in enumerate(model.classes_):
        weights[:, ROLES.index(name)] = dense[k]
        word_weights[:, ROLES.index(name)] = lexical[k]
        bias[ROLES.index(name)] = model.intercept_[k]
    vocabulary = tfidf.get_feature_names_out()  # sorted: the columns' order
    lexicon = Lexicon(np.array(vocabulary, dtype=str), tfidf.idf_.astype(np.float32), word_weights)
    expected = (w @ word_weights).astype(np.float32)
    assert np.allclose(lexicon.scores(texts), expected, atol=1e-4), "the product's TF-IDF differs from scikit-learn's"
    return RoleModel(weights, bias, lexicon=lexicon)


def cross_validate(items: list[dict]) -> None:
    from sklearn.model_selection import GroupKFold

    x, roles = matrix(items), np.array([it["role"] for it in items])
    texts = [it["sentence"] for it in items]
    codes = np.array([it["code"] for it in items])
    groups = [it["council"] for it in items]
    evaluative = np.isin(roles, ("strength", "concern"))
    for c, words, weight in ((4.0, 0.0, "balanced"), (8.0, 1.5, "balanced"), (16.0, 1.5, "balanced"), (4.0, 1.5, None),
                             (8.0, 1.5, None), (16.0, 1.5, None), (8.0, 2.0, None), (8.0, 1.0, None),
                             (8.0, 1.5, CLASS_WEIGHT)):
        pred = np.empty(len(roles), dtype=object)
        for train, held in GroupKFold(5).split(x, roles, groups):
            model = fit(x[train], [texts[i] for i in train], roles[train], c, words, weight) if words \
                else _vectors_only(x[train], roles[train], c)
            lexical = model.lexicon.scores([texts[i] for i in held])
            pred[held] = [ROLES[i] for i in model.decide(x[held], codes[held], lexical)]
        praise = int(np.sum((roles == "strength") & np.isin(pred, ("concern", "improvement"))))
        print(f"C {c:>4}, words x{words}, classes {'rare x3' if isinstance(weight, dict) else weight or 'as found'}: accuracy {np.mean(pred == roles):.3f}, "
              f"strength/concern {np.mean(pred[evaluative] == roles[evaluative]):.3f}, strength called concern {praise}")


def _vectors_only(x: np.ndarray, roles: np.ndarray, c: float) -> RoleModel:
    """The model before the words (the baseline row of --cv)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=10000, class_weight="balanced").fit(x, roles)
    weights = np.zeros((x.shape[1], len(ROLES)), dtype=np.float32)
    bias = np.full(len(ROLES), -1e4, dtype=np.float32)
    for k, name in enumerate(model.classes_):
        weights[:, ROLES.index(name)] = model.coef_[k]
        bias[ROLES.index(name)] = model.intercept_[k]
    return RoleModel(weights, bias)


def main() -> None:
    items = labelled("dev")
    if "--cv" in sys.argv:
        cross_validate(items)
        return
    model = fit(matrix(items), [it["sentence"] for it in items], np.array([it["role"] for it in items]))
    model = RoleModel(model.weights, model.bias, stock_keys(), model.lexicon)
    model.save(MODEL_PATH)
    print(f"wrote {MODEL_PATH} ({MODEL_PATH.stat().st_size} bytes) from {len(items)} dev sentences, "
          f"{len(model.lexicon.vocabulary)} terms")


if __name__ == "__main__":
    main()
