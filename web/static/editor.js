/* The item body's rich-text editor: Tiptap (vendor/tiptap/tiptap.min.js, MIT) laid over
   the form's textarea as progressive enhancement. Without JavaScript the textarea works
   as before; with it, the textarea is hidden and kept equal to the editor's HTML, which
   the server cleans again (web/sanitize.py).

   Paste from Word and WPS: their list paragraphs (mso-list) become real lists, h1 becomes
   the body's top heading (h2), styles and classes are dropped; images that come with the
   paste become files of the form's "pasted_images" input, uploaded as attachments on
   save. Images the browser cannot read (Word's file:/// links) are counted and named in a
   notice, never dropped silently. No inline style is ever written (strict CSP): the
   table and cell renderers below leave out the style attributes Tiptap would set. */
(function () {
  "use strict";

  var T = window.SanshenTiptap;
  var box = document.querySelector("[data-editor]");
  if (!T || !box) return;
  var textarea = box.querySelector("textarea");
  var surface = box.querySelector(".editor-surface");
  var toolbar = box.querySelector(".editor-toolbar");
  var notice = box.querySelector(".editor-notice");
  var pastedInput = document.getElementById(box.getAttribute("data-images-input"));
  var pastedList = box.querySelector(".pasted-images");
  var words = box.dataset;
  if (!textarea || !surface || !toolbar) return;

  function escapeText(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  /* A body saved before the editor, or typed without it: plain text becomes paragraphs
     the way the server reads it (a blank line parts paragraphs, a newline breaks). */
  function initialHTML(value) {
    if (/^\s*</.test(value) || !value.trim()) return value;
    return value
      .split(/\n[ \t\u3000]*\n/)
      .map(function (para) {
        var lines = para.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
        return lines.length ? "<p>" + lines.map(escapeText).join("<br>") + "</p>" : "";
      })
      .join("");
  }

  /* ---- pasted images: files of the form, shown in a list with a remove button ---- */
  var pasted = [];

  function syncImages() {
    if (!pastedInput || typeof DataTransfer === "undefined") return;
    var transfer = new DataTransfer();
    pasted.forEach(function (file) { transfer.items.add(file); });
    pastedInput.files = transfer.files;
    if (!pastedList) return;
    pastedList.textContent = "";
    pasted.forEach(function (file, index) {
      var li = document.createElement("li");
      li.appendChild(document.createTextNode(file.name + " "));
      var remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = words.remove || "移除";
      remove.addEventListener("click", function () {
        pasted.splice(index, 1);
        syncImages();
      });
      li.appendChild(remove);
      pastedList.appendChild(li);
    });
    pastedList.hidden = pasted.length === 0;
    var heading = box.querySelector(".pasted-heading");
    if (heading) heading.hidden = pasted.length === 0;
  }

  function extensionOf(type) {
    var ext = (type.split("/")[1] || "png").toLowerCase();
    return ext === "jpeg" ? "jpg" : ext;
  }

  var maxBytes = parseInt(words.maxBytes, 10) || Infinity;
  var maxTotal = parseInt(words.maxTotal, 10) || Infinity;
  var tooLarge = 0;

  /* One pasted image as a file of the form, unless it (or all of them together) would
     go past the server's limits: then it is counted for the notice instead. */
  function addImage(blob) {
    var total = pasted.reduce(function (sum, f) { return sum + f.size; }, 0);
    if (blob.size > maxBytes || total + blob.size > maxTotal) {
      tooLarge += 1;
      return;
    }
    var ext = extensionOf(blob.type || "image/png");
    var name = (words.imageName || "粘贴图片") + "-" + (pasted.length + 1) + "." + ext;
    pasted.push(new File([blob], name, { type: blob.type || "image/png" }));
  }

  function dataURLToBlob(url) {
    var match = /^data:([^;,]+)(;base64)?,(.*)$/.exec(url);
    if (!match) return null;
    var raw = match[2] ? atob(match[3]) : decodeURIComponent(match[3]);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return new Blob([bytes], { type: match[1] });
  }

  function say(text) {
    if (!notice) return;
    notice.textContent = text;
    notice.hidden = !text;
  }

  /* ---- Word and WPS HTML ---- */
  function rename(element, tag) {
    var fresh = element.ownerDocument.createElement(tag);
    while (element.firstChild) fresh.appendChild(element.firstChild);
    element.parentNode.replaceChild(fresh, element);
    return fresh;
  }

  /* A list marker that numbers: "1." "2)" "(3)" "一、" "a." "iv." — never a bare letter,
     since Word's second-level bullet is an "o". */
  var ORDERED = /^[(（]?([0-9]+|[一二三四五六七八九十]+|[a-zA-Z]|[ivxIVX]+)[.．、)）]$/;

  /* Word writes a list item as <p style="mso-list:l0 level2 lfo1"> whose bullet or
     number is a <span style="mso-list:Ignore">; consecutive ones become <ul>/<ol>. */
  function wordLists(doc) {
    var stack = [];
    var lastRoot = null;
    Array.prototype.slice.call(doc.querySelectorAll("p")).forEach(function (p) {
      var match = /mso-list:\s*l\d+\s+level(\d+)/i.exec(styleOf(p));
      if (!match) return;
      var level = parseInt(match[1], 10);
      var marker = "";
      Array.prototype.slice.call(p.querySelectorAll("span")).forEach(function (span) {
        if (/mso-list:\s*ignore/i.test(styleOf(span)) && span.parentNode) {
          marker += span.textContent;
          span.parentNode.removeChild(span);
        }
      });
      var tag = ORDERED.test(marker.replace(/[\s\u00a0]+/g, "")) ? "ol" : "ul";
      if (!lastRoot || p.previousElementSibling !== lastRoot) stack = [];
      while (stack.length && stack[stack.length - 1].level > level) stack.pop();
      var top = stack[stack.length - 1];
      var list;
      if (!top) {
        list = doc.createElement(tag);
        p.parentNode.insertBefore(list, p);
        lastRoot = list;
        stack.push({ level: level, list: list });
      } else if (top.level < level) {
        list = doc.createElement(tag);
        (top.list.lastElementChild || top.list).appendChild(list);
        stack.push({ level: level, list: list });
      } else {
        list = top.list;
      }
      var li = doc.createElement("li");
      list.appendChild(li);
      li.appendChild(p);
    });
  }

  /* Parsing a style attribute or element, even into a detached document, is an inline
     style the CSP refuses (and reports). So the pasted HTML loses its <style> elements
     and its style attributes become data-style, as text, before any parser sees it. */
  var TAG = /<[a-zA-Z][\w:-]*(?:\s+[^\s"'>\/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*\s*\/?>/g;
  var ATTRIBUTE = /(\s+)([^\s"'>\/=]+)(\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?/g;

  function defuse(html) {
    return html
      .replace(/<style[\s\S]*?<\/style\s*>/gi, "")
      .replace(TAG, function (tag) {
        return tag.replace(ATTRIBUTE, function (all, space, name, value) {
          return /^style$/i.test(name) ? space + "data-style" + (value || "") : all;
        });
      });
  }

  function styleOf(element) {
    return element.getAttribute("data-style") || "";
  }

  function cleanPastedHTML(html) {
    var doc = new DOMParser().parseFromString(defuse(html), "text/html");
    wordLists(doc);
    var blobs = [];
    var unreadable = 0;
    Array.prototype.slice.call(doc.querySelectorAll("img")).forEach(function (img) {
      var src = img.getAttribute("src") || "";
      var blob = src.indexOf("data:image/") === 0 ? dataURLToBlob(src) : null;
      if (blob) blobs.push(blob);
      else unreadable += 1;
      img.parentNode.removeChild(img);
    });
    /* Bold and italic Word writes as styles on spans become marks before styles go. */
    Array.prototype.slice.call(doc.querySelectorAll("span[data-style]")).forEach(function (span) {
      var style = styleOf(span);
      /* (not mso-bidi-font-weight, which Word sets for right-to-left text only) */
      if (/(^|;)\s*font-weight:\s*(bold|[6-9]00)/i.test(style)) rename(span, "strong");
      else if (/(^|;)\s*font-style:\s*italic/i.test(style)) rename(span, "em");
    });
    Array.prototype.slice.call(doc.querySelectorAll("h1")).forEach(function (h) { rename(h, "h2"); });
    Array.prototype.slice.call(doc.querySelectorAll("h5, h6")).forEach(function (h) { rename(h, "h4"); });
    Array.prototype.slice.call(doc.querySelectorAll("[data-style], [class], meta, link, xml")).forEach(function (el) {
      if (/^(META|LINK|XML)$/i.test(el.tagName)) {
        if (el.parentNode) el.parentNode.removeChild(el);
        return;
      }
      el.removeAttribute("data-style");
      el.removeAttribute("class");
    });
    return { html: doc.body.innerHTML, unreadable: unreadable, blobs: blobs };
  }

  /* ---- the editor ---- */
  var Table = T.Table.extend({
    renderHTML: function (props) {
      return ["table", T.mergeAttributes(this.options.HTMLAttributes, props.HTMLAttributes), ["tbody", 0]];
    },
  });
  function plainCell(base) {
    return base.extend({
      addAttributes: function () {
        return {
          colspan: { default: 1 },
          rowspan: { default: 1 },
          colwidth: { default: null, parseHTML: function () { return null; }, renderHTML: function () { return {}; } },
          align: { default: null, parseHTML: function () { return null; }, renderHTML: function () { return {}; } },
        };
      },
    });
  }

  /* What the last transformPastedHTML found (it runs before handlePaste/handleDrop). */
  var lastPaste = { unreadable: 0, blobs: [] };

  /* Files of the clipboard or the drop win over the same images inlined in its HTML;
     an image the browser could not read is counted for the notice. */
  function takeImages(transfer) {
    var files = transfer ? Array.prototype.slice.call(transfer.files || []) : [];
    var images = files.filter(function (f) { return /^image\//.test(f.type); });
    var found = lastPaste;
    lastPaste = { unreadable: 0, blobs: [] };
    (images.length ? images : found.blobs).forEach(addImage);
    var missing = images.length ? 0 : found.unreadable;
    syncImages();
    var parts = [];
    if (pasted.length && (images.length || found.blobs.length)) {
      parts.push((words.imagesAdded || "").replace("%(n)s", String(pasted.length)));
    }
    if (tooLarge) parts.push((words.imagesRefused || "").replace("%(n)s", String(tooLarge)));
    tooLarge = 0;
    if (missing) parts.push((words.imagesMissing || "").replace("%(n)s", String(missing)));
    if (parts.length) say(parts.join(" "));
    var hasText = transfer && (transfer.getData("text/html") || transfer.getData("text/plain"));
    return !hasText && images.length > 0; /* an image alone: nothing to insert */
  }

  var label = document.getElementById(box.getAttribute("data-label"));
  var attributes = { role: "textbox", "aria-multiline": "true", class: "editor-content" };
  if (label) attributes["aria-labelledby"] = label.id;

  var editor = new T.Editor({
    element: surface,
    injectCSS: false,
    content: initialHTML(textarea.value),
    extensions: [
      T.StarterKit.configure({
        heading: { levels: [2, 3, 4] },
        code: false,
        codeBlock: false,
        link: {
          openOnClick: false,
          autolink: true,
          defaultProtocol: "https",
          protocols: ["http", "https", "mailto"],
          HTMLAttributes: { target: null, rel: null, class: null },
        },
      }),
      Table.configure({ resizable: false }),
      T.TableRow,
      plainCell(T.TableHeader),
      plainCell(T.TableCell),
    ],
    editorProps: {
      attributes: attributes,
      transformPastedHTML: function (html) {
        var cleaned = cleanPastedHTML(html);
        lastPaste = { unreadable: cleaned.unreadable, blobs: cleaned.blobs };
        return cleaned.html;
      },
      handlePaste: function (view, event) { return takeImages(event.clipboardData); },
      handleDrop: function (view, event) { return takeImages(event.dataTransfer); },
    },
    onUpdate: function () { sync(); },
    onSelectionUpdate: function () { refresh(); },
    onTransaction: function () { refresh(); },
  });

  function sync() {
    textarea.value = editor.isEmpty ? "" : editor.getHTML();
  }

  /* ---- the toolbar ---- */
  var commands = {
    paragraph: function (c) { return c.setParagraph(); },
    h2: function (c) { return c.toggleHeading({ level: 2 }); },
    h3: function (c) { return c.toggleHeading({ level: 3 }); },
    bold: function (c) { return c.toggleBold(); },
    italic: function (c) { return c.toggleItalic(); },
    bullet: function (c) { return c.toggleBulletList(); },
    ordered: function (c) { return c.toggleOrderedList(); },
    table: function (c) { return c.insertTable({ rows: 3, cols: 3, withHeaderRow: true }); },
    rowAfter: function (c) { return c.addRowAfter(); },
    colAfter: function (c) { return c.addColumnAfter(); },
    deleteRow: function (c) { return c.deleteRow(); },
    deleteCol: function (c) { return c.deleteColumn(); },
    deleteTable: function (c) { return c.deleteTable(); },
    undo: function (c) { return c.undo(); },
    redo: function (c) { return c.redo(); },
  };
  var active = {
    paragraph: function () { return editor.isActive("paragraph") && !editor.isActive("bulletList") && !editor.isActive("orderedList"); },
    h2: function () { return editor.isActive("heading", { level: 2 }); },
    h3: function () { return editor.isActive("heading", { level: 3 }); },
    bold: function () { return editor.isActive("bold"); },
    italic: function () { return editor.isActive("italic"); },
    bullet: function () { return editor.isActive("bulletList"); },
    ordered: function () { return editor.isActive("orderedList"); },
    link: function () { return editor.isActive("link"); },
  };
  var buttons = Array.prototype.slice.call(toolbar.querySelectorAll("button[data-cmd]"));
  var tableTools = toolbar.querySelector(".table-tools");

  function refresh() {
    buttons.forEach(function (button) {
      var name = button.getAttribute("data-cmd");
      if (active[name]) button.setAttribute("aria-pressed", active[name]() ? "true" : "false");
      if (name === "undo") button.disabled = !editor.can().undo();
      if (name === "redo") button.disabled = !editor.can().redo();
    });
    if (tableTools) tableTools.hidden = !editor.isActive("table");
  }

  function link() {
    var current = editor.getAttributes("link").href || "";
    var href = window.prompt(words.linkPrompt || "链接地址", current || "https://");
    if (href === null) return;
    href = href.trim();
    var chain = editor.chain().focus().extendMarkRange("link");
    if (!href || href === "https://") chain.unsetLink().run();
    else if (!/^(https?:\/\/|mailto:)/i.test(href)) say(words.linkRefused || "");
    else chain.setLink({ href: href }).run();
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var name = button.getAttribute("data-cmd");
      if (name === "link") return link();
      commands[name](editor.chain().focus()).run();
    });
  });

  /* ---- switch over: the editor shows, the textarea hides but stays in the form ---- */
  if (label) {
    label.removeAttribute("for");
    label.addEventListener("click", function () { editor.commands.focus(); });
  }
  textarea.hidden = true;
  textarea.setAttribute("aria-hidden", "true");
  textarea.tabIndex = -1;
  toolbar.hidden = false;
  surface.hidden = false;
  box.classList.add("enhanced");
  if (textarea.form) textarea.form.addEventListener("submit", sync);
  sync();
  refresh();
  window.sanshenEditor = editor; /* for tests and the browser console */
})();
