// HR's applications board (/hr/applications): drag a card to another
// stage's column. Without this script the buttons on each card do the
// same. A drop submits the card's own form with the column's stage, so the
// server decides (its pipeline rules, the audit, the notice back on the
// board) exactly as for a button; a column the card may not move to does
// not accept the drop.
(function () {
  "use strict";
  var board = document.querySelector("[data-board]");
  if (!board) { return; }
  var dragged = null;

  function allows(column) {
    if (!dragged) { return false; }
    var to = column.getAttribute("data-status");
    var targets = " " + (dragged.getAttribute("data-targets") || "") + " ";
    return to !== dragged.getAttribute("data-status") && targets.indexOf(" " + to + " ") >= 0;
  }

  function unmark() {
    board.querySelectorAll(".board-drop").forEach(function (c) { c.classList.remove("board-drop"); });
  }

  board.querySelectorAll(".board-card[draggable=true]").forEach(function (card) {
    card.addEventListener("dragstart", function (e) {
      dragged = card;
      card.classList.add("board-dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
    });
    card.addEventListener("dragend", function () {
      card.classList.remove("board-dragging");
      unmark();
      dragged = null;
    });
  });

  board.querySelectorAll(".board-column[data-status]").forEach(function (column) {
    column.addEventListener("dragover", function (e) {
      if (!allows(column)) { return; }
      e.preventDefault(); // accept the drop
      e.dataTransfer.dropEffect = "move";
      column.classList.add("board-drop");
    });
    column.addEventListener("dragleave", function (e) {
      if (!column.contains(e.relatedTarget)) { column.classList.remove("board-drop"); }
    });
    column.addEventListener("drop", function (e) {
      e.preventDefault();
      unmark();
      var card = dragged;
      if (!card || !allows(column)) { return; }
      var form = card.querySelector("form[data-move]");
      if (!form) { return; }
      // The buttons carry status only when pressed; form.submit() sends no
      // button, so this field is the only status in the post.
      var status = document.createElement("input");
      status.type = "hidden";
      status.name = "status";
      status.value = column.getAttribute("data-status");
      form.appendChild(status);
      card.setAttribute("aria-busy", "true");
      form.submit();
    });
  });
})();
