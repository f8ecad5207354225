"""The evaluation stage: gold questions and their validation (`gold`), the harness (`harness`)."""
