// The judgements page: sort the table by any column. Each heading is a button; the sorted one
// carries aria-sort; pressing it again reverses the order. Empty cells always sort last.
(function () {
  "use strict";
  const table = document.getElementById("judgements");
  if (!table) return;
  const body = table.tBodies[0];
  const headers = Array.from(table.tHead.rows[0].cells);
  const status = document.getElementById("sort-status");

  function value(row, column) {
    const cell = row.cells[column];
    const raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    return raw.trim();
  }

  function sortBy(column) {
    const th = headers[column];
    const direction = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    const numeric = th.querySelector("button").dataset.kind === "number";
    const sign = direction === "ascending" ? 1 : -1;
    const rows = Array.from(body.rows);
    rows.sort((a, b) => {
      const x = value(a, column), y = value(b, column);
      if (x === "" || y === "") return (x === "") - (y === "");
      const order = numeric ? Number(x) - Number(y) : x.localeCompare(y, "en-GB", { numeric: true, sensitivity: "base" });
      return sign * order;
    });
    body.append(...rows);
    for (const h of headers) h.removeAttribute("aria-sort");
    th.setAttribute("aria-sort", direction);
    if (status) status.textContent = `sorted by ${th.textContent.trim()}, ${direction}`;
  }

  headers.forEach((th, column) => {
    const button = th.querySelector("button.sort");
    if (button) button.addEventListener("click", () => sortBy(column));
  });
})();
