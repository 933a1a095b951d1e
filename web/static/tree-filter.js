// The admin column tree filtered as one types. Without JavaScript the search box submits
// ?q= and the server keeps the matching columns and their ancestors; this does the same
// in the page. A static file: the CSP allows no inline script.
(function () {
  "use strict";
  var input = document.querySelector("input[data-tree-filter]");
  if (!input) { return; }
  var tree = document.getElementById(input.getAttribute("data-tree-filter"));
  if (!tree) { return; }
  var nodes = Array.prototype.slice.call(tree.querySelectorAll("li.tree-node"));
  var count = document.getElementById("tree-count");
  var original = count ? count.textContent : "";

  function ownDetails(node) {
    var first = node.firstElementChild;
    return first && first.tagName === "DETAILS" ? first : null;
  }

  function childNodes(node) {
    var details = ownDetails(node);
    var list = details ? details.querySelector(":scope > ul") : null;
    return list ? Array.prototype.slice.call(list.children) : [];
  }

  function apply() {
    var q = input.value.trim().toLowerCase();
    var hits = 0;
    // Children come after their parent in document order: walk backwards, so each
    // node's children are settled before it.
    for (var i = nodes.length - 1; i >= 0; i--) {
      var node = nodes[i];
      var hit = q === "" || (node.getAttribute("data-search") || "").indexOf(q) !== -1;
      var below = childNodes(node).some(function (child) { return !child.hidden; });
      node.hidden = !(hit || below);
      node.classList.toggle("hit", q !== "" && hit);
      if (hit && q !== "") { hits += 1; }
      var details = ownDetails(node);
      if (details) {
        details.open = q === "" ? details.getAttribute("data-open") === "yes" : below;
      }
    }
    if (count) {
      count.textContent = q === "" ? original : (count.getAttribute("data-found") || "").replace("{n}", String(hits));
    }
  }

  input.addEventListener("input", apply);
}());
