/* The item form: the 办事指南 elements show only while the chosen kind is 办事指南 (without
   JavaScript they always show, with their help text saying so). */
(function () {
  "use strict";
  var kind = document.getElementById("kind");
  var guides = document.querySelectorAll("fieldset[data-kind]");
  if (!kind || !guides.length) return;
  function update() {
    Array.prototype.forEach.call(guides, function (fieldset) {
      fieldset.hidden = fieldset.getAttribute("data-kind") !== kind.value;
    });
  }
  kind.addEventListener("change", update);
  update();
})();
