// A report page opened from a citation: bring the cited passage into view and give it focus.
(function () {
  "use strict";
  const cited = document.querySelector(".passage.cited") ||
    (location.hash && document.getElementById(location.hash.slice(1)));
  if (cited) {
    cited.classList.add("target");
    cited.scrollIntoView({ block: "center" });
    cited.focus({ preventScroll: true });
  }
})();
