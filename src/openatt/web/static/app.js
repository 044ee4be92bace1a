// Moves keyboard and screen-reader focus to what a page asks for (an error summary, a new
// item row, a confirmation heading). Everything works without this file.
document.addEventListener("DOMContentLoaded", function () {
  var target = document.querySelector("[data-focus]");
  var named = document.querySelector("[data-focus-id]");
  if (named) { target = document.getElementById(named.getAttribute("data-focus-id")) || target; }
  if (target) { target.focus(); }
});
