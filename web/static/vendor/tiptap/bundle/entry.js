// The parts of Tiptap the item body editor (web/static/editor.js) uses, as one global:
// window.SanshenTiptap. Built by build.sh into ../tiptap.min.js.
export { Editor, Extension, mergeAttributes } from "@tiptap/core";
export { StarterKit } from "@tiptap/starter-kit";
export { Table, TableRow, TableCell, TableHeader } from "@tiptap/extension-table";
