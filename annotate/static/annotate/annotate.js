// Stancemark workspace: selection → code-point offsets, keyboard shortcuts, hover/focus sync.
//
// Offsets are Unicode code points into Article.text. The server renders the text as flat runs, each an
// element with one text node and `data-s` = the run's start in code points. A DOM selection gives
// (text node, UTF-16 offset); we count the code points of node.data up to that offset and add data-s.
// That never depends on innerText, pseudo-element labels or layout, so emoji and nesting are exact.
(() => {
  "use strict";

  // The page says "selecting needs JavaScript" until this runs (see .no-js in annotate.css).
  document.documentElement.classList.remove("no-js");

  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const cpLength = (s) => {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) i++; // a surrogate pair is one code point
      n++;
    }
    return n;
  };

  const workspace = $("#workspace");
  if (!workspace) return;
  const dataEl = $("#article-data");
  const codePoints = Array.from(dataEl ? JSON.parse(dataEl.textContent) : "");
  const textEl = () => $("#article-text");
  const editUrl = (id) => workspace.dataset.editUrl.replace("/0/", `/${id}/`);

  // One line in the panel's live region (#status), read out by screen readers.
  function say(text, { error = false } = {}) {
    const status = $("#status");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("error", error);
  }

  // When the next form opens, "Saved …" or "Accepted …" no longer describes what is on screen.
  function clearStatus() {
    const status = $("#status");
    if (status && !status.classList.contains("error")) status.textContent = "";
  }

  // Confirmations the server sends with responses that redraw no status line (a curator's
  // accept or reject): views.articles.announce.
  document.body.addEventListener("stancemark-announce", (ev) => {
    if (ev.detail && ev.detail.text) say(ev.detail.text);
  });

  // ------------------------------------------------------------ selection → offsets

  function runOf(node) {
    const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const run = el && el.closest("[data-s]");
    return run && textEl().contains(run) ? run : null;
  }

  // Code-point offset of a DOM boundary point (node, offset) inside the article text.
  function boundaryToCp(node, offset, isEnd) {
    const root = textEl();
    if (node.nodeType === Node.TEXT_NODE) {
      const run = runOf(node);
      if (!run) return null;
      return Number(run.dataset.s) + cpLength(node.data.slice(0, offset));
    }
    const run = runOf(node);
    if (run && run !== root) {
      return Number(run.dataset.s) + (offset === 0 ? 0 : cpLength(run.textContent));
    }
    if (node === root || root.contains(node)) {
      // Between elements (a chunk, the text itself): the first run at or after the boundary.
      const point = document.createRange();
      point.setStart(node, offset);
      const next = $$("[data-s]", root).find((r) => point.comparePoint(r, 0) >= 0);
      return next ? Number(next.dataset.s) : codePoints.length;
    }
    // The boundary lies outside the text: clamp to its start or end.
    return isEnd ? codePoints.length : 0;
  }

  function currentSelection() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    const root = textEl();
    if (!root || !range.intersectsNode(root)) return null;
    let start = boundaryToCp(range.startContainer, range.startOffset, false);
    let end = boundaryToCp(range.endContainer, range.endOffset, true);
    if (!root.contains(range.startContainer)) start = 0;
    if (!root.contains(range.endContainer)) end = codePoints.length;
    if (start === null || end === null) return null;
    // Double-click selects a trailing space; the words are what the reviewer means.
    while (start < end && /\s/u.test(codePoints[start])) start++;
    while (end > start && /\s/u.test(codePoints[end - 1])) end--;
    if (end <= start) return null;
    return { start, end, quote: codePoints.slice(start, end).join("") };
  }

  // ------------------------------------------------------------ the new-annotation form

  const newForm = () => $("#new-annotation");
  let pending = null;

  function fillForm(sel) {
    const form = newForm();
    if (!form) return;
    const changed = changedForm();
    if (changed && !(pending && sel.start === pending.start && sel.end === pending.end)) {
      offerChoice(changed, sel); // never replace the words of a form with changes silently
      return;
    }
    useSelection(form, sel);
  }

  function useSelection(form, sel) {
    if (form.hidden) {
      delete form.dataset.changed; // a fresh annotation starts unchanged
      renderRecent(form);
    }
    pending = sel;
    form.elements.start.value = sel.start;
    form.elements.end.value = sel.end;
    form.elements.quote.value = sel.quote;
    $("[data-quote-preview]", form).textContent = sel.quote;
    $("[data-offsets]", form).textContent = `Characters ${sel.start}–${sel.end}`;
    if (form.hidden) clearStatus(); // the last save's message is about another annotation
    form.hidden = false;
    const hint = $("#select-hint");
    if (hint) hint.hidden = true;
    const slot = $("#form-slot");
    if (slot) slot.replaceChildren(); // a new selection replaces an open edit form
    showPending(sel);
    const s = window.getSelection();
    if (s.rangeCount) keepAboveDockedForm(form, s.getRangeAt(0).getBoundingClientRect());
  }

  // Narrow screens dock the open form over the lower part of the screen (annotate.css): scroll
  // the words it is about up into the part of the text still in view, if the form covers them.
  function keepAboveDockedForm(sheet, words) {
    if (getComputedStyle(sheet).position !== "fixed") return;
    const top = sheet.getBoundingClientRect().top;
    if (words.bottom > top - 8) window.scrollBy(0, Math.min(words.bottom - top + 48, words.top - 8));
  }

  function openForm() {
    const choice = $(".replace-choice");
    if (choice) {
      choice.querySelector("button").focus();
      return true;
    }
    const form = newForm();
    if (!form || form.hidden) return false;
    const subject = form.elements.subject;
    subject.focus();
    subject.select();
    return true;
  }

  function cancelForm() {
    stopPicking();
    dropChoice();
    const form = newForm();
    if (form) {
      delete form.dataset.changed;
      forgetDraft();
      form.hidden = true;
      $$(".field-error, .form-errors", form).forEach((e) => e.remove());
      $$(".has-error", form).forEach((e) => e.classList.remove("has-error"));
    }
    const slot = $("#form-slot");
    if (slot) slot.replaceChildren();
    const hint = $("#select-hint");
    if (hint) hint.hidden = false;
    pending = null;
    showPending(null);
    showPicked([]);
    // Back to the page, where the single-key shortcuts work again.
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  }

  // Outline exactly the pending words (the browser's own selection disappears when focus moves),
  // with the CSS Custom Highlight API: no DOM change, so offsets and runs stay untouched.
  function cpToBoundary(cp) {
    const runs = $$("[data-s]", textEl());
    let run = runs[0];
    for (const r of runs) {
      if (Number(r.dataset.s) <= cp) run = r;
      else break;
    }
    const node = run.firstChild;
    const head = codePoints.slice(Number(run.dataset.s), cp).join("");
    return [node, head.length]; // UTF-16 length of the code points before cp within the run
  }

  function showPending(sel) {
    if (!window.CSS || !CSS.highlights) return;
    CSS.highlights.delete("pending");
    if (!sel) return;
    try {
      const range = document.createRange();
      range.setStart(...cpToBoundary(sel.start));
      range.setEnd(...cpToBoundary(sel.end));
      CSS.highlights.set("pending", new Highlight(range));
    } catch {
      // A stale selection after the text was re-rendered: nothing to outline.
    }
  }

  // Claim text follows subject · relation · object until the reviewer edits it by hand.
  function syncClaimText(form) {
    const claim = form.elements.claim_text;
    if (!claim || claim.dataset.touched) return;
    const rel = form.elements.relation;
    const relLabel = rel.selectedIndex > 0 ? rel.options[rel.selectedIndex].text : "";
    claim.value = [form.elements.subject.value.trim(), relLabel, form.elements.object.value.trim()]
      .filter(Boolean)
      .join(" ");
  }

  document.addEventListener("input", (ev) => {
    const form = ev.target.form;
    if (!form || !form.classList.contains("ann-form")) return;
    form.dataset.changed = "1";
    if (form === newForm()) keepDraft(form);
    if (ev.target.name === "claim_text") ev.target.dataset.touched = "1";
    else if (["subject", "object"].includes(ev.target.name)) syncClaimText(form);
    if (ev.target.dataset.actor) autocomplete(ev.target);
  });
  document.addEventListener("change", (ev) => {
    const form = ev.target.form;
    if (!form || !form.classList.contains("ann-form")) return;
    form.dataset.changed = "1";
    if (ev.target.name === "relation") syncClaimText(form);
    if (form === newForm()) keepDraft(form);
  });

  // Actor names: one shared datalist refilled from the server as the reviewer types (name or alias).
  let acTimer = null;
  function autocomplete(input) {
    clearTimeout(acTimer);
    const q = input.value.trim();
    if (q.length < 1) return;
    acTimer = setTimeout(async () => {
      const url = `${workspace.dataset.autocompleteUrl}?q=${encodeURIComponent(q)}`;
      const resp = await fetch(url, { headers: { "HX-Request": "true" } });
      if (resp.ok) $("#actor-options").innerHTML = await resp.text();
    }, 150);
  }

  // ------------------------------------------------------------ pick source / cue in the text

  // "Pick source in text" / "Pick cue in text": the next selection in the text becomes that
  // optional span of the open form instead of a new annotation's words.
  let picking = null; // { form, kind, button }

  function setPick(form, kind, sel) {
    form.dataset.changed = "1";
    form.elements[`${kind}_start`].value = sel ? sel.start : "";
    form.elements[`${kind}_end`].value = sel ? sel.end : "";
    form.elements[`${kind}_quote`].value = sel ? sel.quote : "";
    $(`[data-pick-quote="${kind}"]`, form).textContent = sel ? sel.quote : "";
    $(`[data-pick-clear="${kind}"]`, form).hidden = !sel;
  }

  function stopPicking() {
    if (!picking) return null;
    const was = picking;
    picking = null;
    was.button.setAttribute("aria-pressed", "false");
    say("");
    return was;
  }

  function finishPick(sel) {
    const was = stopPicking();
    setPick(was.form, was.kind, sel);
    window.getSelection().removeAllRanges();
    showPending(pending);
    was.button.focus();
  }

  document.addEventListener("click", (ev) => {
    const pick = ev.target.closest && ev.target.closest("[data-pick]");
    const clear = ev.target.closest && ev.target.closest("[data-pick-clear]");
    if (pick) {
      ev.preventDefault();
      const again = picking && picking.button === pick;
      stopPicking();
      if (again) return; // a second click stops picking
      picking = { form: pick.form, kind: pick.dataset.pick, button: pick };
      pick.setAttribute("aria-pressed", "true");
      const what = picking.kind === "source" ? "the words naming the source" : "the cue words";
      say(`Select ${what} in the text (Esc stops picking).`);
    } else if (clear) {
      ev.preventDefault();
      setPick(clear.form, clear.dataset.pickClear, null);
    }
  });

  // ------------------------------------------------------------ hover / focus sync

  function setHot(ids, on) {
    for (const id of ids) {
      $$(`[data-ids~="${id}"]`, textEl()).forEach((m) => m.classList.toggle("is-hot", on));
      $$(`.ann[data-ann="${id}"]`).forEach((li) => li.classList.toggle("is-hot", on));
    }
    showPicked(on ? ids.map((id) => $(`.ann[data-ann="${id}"]`)).filter(Boolean) : []);
  }

  // The source and cue words of the hovered or focused annotations ("start end" in data-source /
  // data-cue of their list items), or of the open edit form, outlined with CSS highlights.
  function spanRange(startEnd) {
    const [start, end] = startEnd.split(" ").map(Number);
    const range = document.createRange();
    range.setStart(...cpToBoundary(start));
    range.setEnd(...cpToBoundary(end));
    return range;
  }
  function showPicked(items) {
    if (!window.CSS || !CSS.highlights) return;
    const open = $("#edit-annotation");
    const from = items.length ? items : open ? [open] : [];
    for (const kind of ["source", "cue"]) {
      const ranges = [];
      for (const el of from) {
        const at = el.dataset[kind];
        if (!at) continue;
        try {
          ranges.push(spanRange(at));
        } catch {
          // The text was re-rendered under us: nothing to outline.
        }
      }
      if (ranges.length) CSS.highlights.set(`picked-${kind}`, new Highlight(...ranges));
      else CSS.highlights.delete(`picked-${kind}`);
    }
  }
  const idsOfMark = (mark) => (mark.dataset.ids || "").split(" ").filter(Boolean);
  const itemOf = (el) => el.closest && el.closest(".ann[data-ann]");

  document.addEventListener("mouseover", (ev) => {
    const mark = ev.target.closest && ev.target.closest("mark[data-ids]");
    if (mark) setHot(idsOfMark(mark), true);
    const item = itemOf(ev.target);
    if (item) setHot([item.dataset.ann], true);
  });
  document.addEventListener("mouseout", (ev) => {
    const mark = ev.target.closest && ev.target.closest("mark[data-ids]");
    if (mark) setHot(idsOfMark(mark), false);
    const item = itemOf(ev.target);
    if (item) setHot([item.dataset.ann], false);
  });
  document.addEventListener("focusin", (ev) => {
    const item = itemOf(ev.target);
    if (!item) return;
    setHot([item.dataset.ann], true);
    const first = $(`[data-ids~="${item.dataset.ann}"]`, textEl());
    if (first) first.scrollIntoView({ block: "nearest", behavior: "smooth" });
  });
  document.addEventListener("focusout", (ev) => {
    const item = itemOf(ev.target);
    if (item) setHot([item.dataset.ann], false);
  });

  // Click on a highlight (not a drag) → edit my innermost annotation there.
  document.addEventListener("click", (ev) => {
    const mark = ev.target.closest && ev.target.closest("mark.mine[data-ids]");
    if (!mark || !window.getSelection().isCollapsed) return;
    const own = idsOfMark(mark).filter((id) => $(`#my-annotations .ann[data-ann="${id}"]`));
    if (own.length && window.htmx) {
      htmx.ajax("GET", editUrl(own[own.length - 1]), { target: "#form-slot", swap: "innerHTML" });
    }
  });

  // ------------------------------------------------------------ nothing lost

  // The open form (new or edit) if the reviewer changed anything in it since it opened.
  function changedForm() {
    return $$("form.ann-form").find((f) => !f.hidden && f.dataset.changed) || null;
  }

  const shorten = (q) => (q.length > 60 ? `${q.slice(0, 59)}…` : q);

  function dropChoice() {
    const choice = $(".replace-choice");
    if (choice) choice.remove();
  }

  // A new selection while a form has changes: ask, inside that form, what the words are for.
  function offerChoice(form, sel) {
    const open = $(".replace-choice");
    if (open && open.offered.start === sel.start && open.offered.end === sel.end) return;
    dropChoice();
    const box = document.createElement("div");
    box.className = "replace-choice";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "What to do with the words you selected");
    const text = document.createElement("p");
    text.textContent = `You selected “${shorten(sel.quote)}” while this form has changes.`;
    box.append(text);
    const button = (choice, label) => {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.choice = choice;
      b.textContent = label;
      box.append(b, " ");
    };
    button("replace", "Use these words for this annotation");
    button("new", "Start a new annotation with them");
    const quote = form.elements.quote ? form.elements.quote.value : "";
    button("keep", quote ? `Keep “${shorten(quote)}”` : "Keep the form as it is");
    box.offered = sel;
    const title = $("h2", form);
    (title || form.firstChild).after(box);
    say("You selected other words while a form has changes: choose what they are for.");
  }

  document.addEventListener("click", (ev) => {
    const b = ev.target.closest && ev.target.closest(".replace-choice [data-choice]");
    if (!b) return;
    const box = b.closest(".replace-choice");
    const form = box.closest("form");
    const sel = box.offered;
    box.remove();
    say("");
    if (b.dataset.choice === "replace") {
      form.elements.start.value = sel.start;
      form.elements.end.value = sel.end;
      form.elements.quote.value = sel.quote;
      const preview = $("[data-quote-preview]", form);
      if (preview) preview.textContent = sel.quote;
      const offsets = $("[data-offsets]", form);
      if (offsets) offsets.textContent = `Characters ${sel.start}–${sel.end}`;
      pending = sel;
      showPending(sel);
      if (form === newForm()) keepDraft(form);
    } else if (b.dataset.choice === "new") {
      const fresh = newForm();
      if (form === fresh) {
        form.reset();
        ["source", "cue"].forEach((kind) => setPick(form, kind, null));
        $$(".field-error, .form-errors", form).forEach((e) => e.remove());
      } else {
        $("#form-slot").replaceChildren(); // the edit is given up, as the reviewer chose
      }
      delete fresh.dataset.changed;
      fresh.hidden = true;
      useSelection(fresh, sel);
      openForm();
      return;
    }
    const first = $("select, input:not([type=hidden])", form);
    if (first) first.focus();
  });

  // Leaving or reloading with a changed form asks first (the browser words the question).
  window.addEventListener("beforeunload", (ev) => {
    if (!changedForm()) return;
    ev.preventDefault();
    ev.returnValue = "";
  });

  // The new-annotation form is kept in sessionStorage as it is typed, and comes back after a
  // reload or a crash until it is saved or discarded (Cancel / Esc, or "Discard draft").
  const draftKey = `stancemark:draft:${location.pathname}`;
  const DRAFT_SKIP = new Set(["csrfmiddlewaretoken", "others"]);

  function keepDraft(form) {
    const values = {};
    for (const el of form.elements) {
      if (!el.name || DRAFT_SKIP.has(el.name)) continue;
      values[el.name] = el.type === "checkbox" || el.type === "radio" ? el.checked : el.value;
    }
    try {
      sessionStorage.setItem(draftKey, JSON.stringify(values));
    } catch {
      // Storage full or disabled: the beforeunload question still protects the work.
    }
  }

  function forgetDraft() {
    try {
      sessionStorage.removeItem(draftKey);
    } catch {
      // Storage disabled: there is nothing to forget.
    }
  }

  function restoreDraft() {
    const form = newForm();
    if (!form || !form.hidden) return; // a form the server sent back (errors) wins
    let values = null;
    try {
      values = JSON.parse(sessionStorage.getItem(draftKey) || "null");
    } catch {
      values = null;
    }
    if (!values || !values.quote) return;
    const start = Number(values.start);
    const end = Number(values.end);
    if (codePoints.slice(start, end).join("") !== values.quote) return forgetDraft(); // other text
    for (const el of form.elements) {
      if (!el.name || !(el.name in values)) continue;
      if (el.type === "checkbox" || el.type === "radio") el.checked = Boolean(values[el.name]);
      else el.value = values[el.name];
    }
    ["source", "cue"].forEach((kind) => {
      const quote = values[`${kind}_quote`];
      const [start, end] = [values[`${kind}_start`], values[`${kind}_end`]];
      setPick(form, kind, quote ? { start, end, quote } : null);
    });
    useSelection(form, { start, end, quote: values.quote });
    form.dataset.changed = "1";
    const status = $("#status");
    if (status) {
      status.textContent = "Your unsaved draft is back. ";
      const discard = document.createElement("button");
      discard.type = "button";
      discard.dataset.action = "cancel";
      discard.textContent = "Discard draft";
      status.append(discard);
    }
  }

  // ------------------------------------------------------------ less typing

  // The new form offers the actors used in this article (1–9 in an empty Subject, Object or
  // Source, or a click) and the last annotation's claim (Alt+R) or claim and stance for another
  // source (Alt+O). The page starts from views.articles' `recent` (workspace.recent); each save
  // updates it here, so the choices follow the reviewer's work without a server round trip.
  const recentEl = $("#recent-data");
  const recent = recentEl ? JSON.parse(recentEl.textContent) : { last: null, actors: [] };
  const ACTOR_FIELDS = ["subject", "object", "source"];
  let lastActorField = null;
  let submitted = null; // values of the form being saved, until the save is confirmed

  function renderRecent(form) {
    const box = $("[data-recent]", form);
    if (!box) return;
    const chips = $("[data-recent-actors]", box);
    chips.replaceChildren();
    recent.actors.forEach((name, i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "chip-actor";
      b.dataset.actor = name;
      const key = document.createElement("kbd");
      key.textContent = String(i + 1);
      b.append(key, ` ${name}`);
      chips.append(b, " ");
    });
    $$("[data-repeat]", box).forEach((b) => {
      b.hidden = !recent.last;
    });
    box.hidden = !recent.actors.length && !recent.last;
  }

  function setField(form, name, value) {
    const el = form.elements[name];
    if (!el || value === undefined || value === null) return;
    el.value = value;
    el.dispatchEvent(new Event("input", { bubbles: true })); // claim text, draft, "changed"
    if (el.tagName === "SELECT") el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function fillActor(form, name) {
    let field = lastActorField && form.contains(lastActorField) ? lastActorField : null;
    if (!field) field = ACTOR_FIELDS.map((n) => form.elements[n]).find((el) => el && !el.value);
    if (!field) return;
    setField(form, field.name, name);
    if (field.name === "source" && form.elements.source_kind.value !== "named") {
      setField(form, "source_kind", "named");
    }
    const next = ACTOR_FIELDS.map((n) => form.elements[n]).find((el) => el && !el.value);
    (next || field).focus();
  }

  function repeatLast(form, otherSource) {
    const last = recent.last;
    if (!last) return;
    for (const name of ["subject", "relation", "object"]) setField(form, name, last[name]);
    // A claim text the reviewer wrote by hand is kept; a generated one follows the fields.
    if (form.elements.claim_text.value !== last.claim_text) setField(form, "claim_text", last.claim_text);
    if (otherSource) {
      setField(form, "stance", last.stance);
      setField(form, "certainty", last.certainty);
      setField(form, "source_kind", "named");
      setField(form, "source", "");
      form.elements.source.focus();
      say(`Same claim as your last annotation: “${last.claim_text}”. Type the other source.`);
    } else {
      form.elements.source_kind.focus();
      say(`Repeated your last claim: “${last.claim_text}”.`);
    }
  }

  document.addEventListener("focusin", (ev) => {
    const el = ev.target;
    if (el.form && el.form === newForm() && ACTOR_FIELDS.includes(el.name)) lastActorField = el;
  });
  document.addEventListener("click", (ev) => {
    const form = newForm();
    const chip = ev.target.closest && ev.target.closest("[data-recent-actors] [data-actor]");
    if (chip && form) return void fillActor(form, chip.dataset.actor);
    const repeat = ev.target.closest && ev.target.closest("[data-repeat]");
    if (repeat && form) repeatLast(form, repeat.dataset.repeat === "source");
  });
  document.addEventListener("keydown", (ev) => {
    const form = newForm();
    if (!form || form.hidden || !form.contains(ev.target)) return;
    if (ev.altKey && !ev.ctrlKey && !ev.metaKey && (ev.code === "KeyR" || ev.code === "KeyO")) {
      ev.preventDefault();
      return void repeatLast(form, ev.code === "KeyO");
    }
    const el = ev.target;
    if (ev.altKey || ev.ctrlKey || ev.metaKey || !ACTOR_FIELDS.includes(el.name) || el.value) return;
    const n = Number(ev.key);
    if (Number.isInteger(n) && n >= 1 && recent.actors[n - 1]) {
      ev.preventDefault();
      lastActorField = el;
      fillActor(form, recent.actors[n - 1]);
    }
  });

  // Remember what is being saved; once the save is confirmed it becomes "the last annotation".
  document.body.addEventListener("htmx:beforeRequest", (ev) => {
    const form = ev.detail.elt;
    if (!form || !form.classList || !form.classList.contains("ann-form")) return;
    const values = {};
    for (const name of ["subject", "relation", "object", "claim_text", "source_kind", "source", "stance", "certainty"]) {
      if (form.elements[name]) values[name] = form.elements[name].value;
    }
    submitted = values;
  });
  document.body.addEventListener("annotation-saved", () => {
    if (!submitted) return;
    recent.last = submitted;
    const names = [submitted.subject, submitted.object, submitted.source_kind === "named" ? submitted.source : ""];
    recent.actors = [...names.filter(Boolean), ...recent.actors.filter((a) => !names.includes(a))].slice(0, 9);
    submitted = null;
    setTimeout(() => {
      const form = newForm();
      if (form) renderRecent(form);
    }, 0);
  });

  // ------------------------------------------------------------ keyboard text selection

  // The article text is in the Tab order. There, ←/→ move a caret by word and ↑/↓ by sentence,
  // Shift extends the selection, S selects the sentence at the caret, Home/End go to the text's
  // ends; A or Enter then annotates as with a mouse selection (the DOM selection is set, so the
  // rest of the page cannot tell the difference). The caret's word is outlined (CSS highlight).
  const isWordChar = (ch) => ch !== undefined && /[\p{L}\p{N}_'’-]/u.test(ch);
  let caret = null; // code point where the caret is
  let anchor = null; // the other end of the selection (=== caret when nothing is selected)

  function wordEnd(cp) {
    let i = cp;
    while (i < codePoints.length && isWordChar(codePoints[i])) i++;
    return i;
  }
  const atWordStart = (cp) => isWordChar(codePoints[cp]) && !isWordChar(codePoints[cp - 1]);
  function nextWordStart(cp) {
    let i = wordEnd(cp);
    while (i < codePoints.length && !isWordChar(codePoints[i])) i++;
    return i < codePoints.length ? i : cp;
  }
  function prevWordStart(cp) {
    let i = cp;
    while (i > 0 && !isWordChar(codePoints[i - 1])) i--;
    while (i > 0 && isWordChar(codePoints[i - 1])) i--;
    return isWordChar(codePoints[i]) ? i : cp;
  }
  function firstWordFrom(cp) {
    let i = cp;
    while (i < codePoints.length && !isWordChar(codePoints[i])) i++;
    return i < codePoints.length ? i : cp;
  }
  // Sentence starts: the text's start, after a line break, after . ! ? (and closing quotes or
  // brackets) followed by a space; each moved on to its first word.
  let sentenceStarts = null;
  function sentences() {
    if (sentenceStarts) return sentenceStarts;
    const starts = new Set([firstWordFrom(0)]);
    for (let i = 0; i < codePoints.length; i++) {
      const ch = codePoints[i];
      if (ch === "\n") starts.add(firstWordFrom(i + 1));
      else if (".!?".includes(ch)) {
        let j = i + 1;
        while (j < codePoints.length && "\"'”’)]".includes(codePoints[j])) j++;
        if (j < codePoints.length && /\s/u.test(codePoints[j])) starts.add(firstWordFrom(j));
      }
    }
    sentenceStarts = [...starts].filter((x) => x < codePoints.length).sort((a, b) => a - b);
    return sentenceStarts;
  }
  function sentenceAt(cp) {
    const starts = sentences();
    let start = starts[0] || 0;
    let end = codePoints.length;
    for (const s of starts) {
      if (s <= cp) start = s;
      else {
        end = s;
        break;
      }
    }
    while (end > start && /\s/u.test(codePoints[end - 1])) end--;
    return [start, end];
  }

  function showCaret() {
    const root = textEl();
    if (caret === null || !root) return;
    root.dataset.caret = caret; // where the caret is, in code points (for tests and tools)
    const docSel = window.getSelection();
    try {
      if (anchor !== caret) {
        const [a, b] = [Math.min(anchor, caret), Math.max(anchor, caret)];
        const [aNode, aOff] = cpToBoundary(a);
        const [bNode, bOff] = cpToBoundary(b);
        docSel.setBaseAndExtent(aNode, aOff, bNode, bOff);
        if (window.CSS && CSS.highlights) CSS.highlights.delete("caret");
        say(`Selected “${shorten(codePoints.slice(a, b).join(""))}”. Press A to annotate.`);
      } else {
        docSel.removeAllRanges();
        const end = Math.max(wordEnd(caret), caret + 1);
        if (window.CSS && CSS.highlights) {
          const range = document.createRange();
          range.setStart(...cpToBoundary(caret));
          range.setEnd(...cpToBoundary(Math.min(end, codePoints.length)));
          CSS.highlights.set("caret", new Highlight(range));
        }
        say(codePoints.slice(caret, end).join(""));
      }
      const [node] = cpToBoundary(caret);
      const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
      if (el) el.scrollIntoView({ block: "nearest" });
    } catch {
      // The text was re-rendered under us: the next key starts again from the caret.
    }
  }

  // A selection made with the mouse (or a click that focused the text) is where the keys go on
  // from: never replaced by the caret.
  function syncWithSelection() {
    const sel = currentSelection();
    if (!sel) return;
    const [a, b] = [Math.min(anchor, caret), Math.max(anchor, caret)];
    if (caret === null || sel.start !== a || sel.end !== b) {
      anchor = sel.start;
      caret = sel.end;
    }
  }

  document.addEventListener("focusin", (ev) => {
    if (ev.target !== textEl() || !ev.target.matches(":focus-visible")) return; // keyboard only
    if (currentSelection()) return void syncWithSelection();
    if (caret === null) caret = anchor = firstWordFrom(0);
    showCaret();
  });
  document.addEventListener("focusout", (ev) => {
    if (ev.target === textEl() && window.CSS && CSS.highlights) CSS.highlights.delete("caret");
  });

  document.addEventListener("keydown", (ev) => {
    if (ev.target !== textEl() || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const keys = ["ArrowRight", "ArrowLeft", "ArrowDown", "ArrowUp", "Home", "End", "s", "S", "Escape"];
    if (!keys.includes(ev.key)) return;
    syncWithSelection();
    if (caret === null) caret = anchor = firstWordFrom(0);
    const extend = ev.shiftKey;
    let to;
    if (ev.key === "ArrowRight") {
      if (!extend) to = nextWordStart(caret);
      else to = atWordStart(caret) ? wordEnd(caret) : wordEnd(nextWordStart(caret));
    } else if (ev.key === "ArrowLeft") {
      if (!extend || caret <= anchor) to = prevWordStart(caret);
      else {
        const start = prevWordStart(caret); // of the word the selection ends with
        to = start > anchor ? Math.max(anchor, wordEnd(prevWordStart(start))) : anchor;
      }
    } else if (ev.key === "ArrowDown") {
      const next = sentences().find((x) => x > caret);
      if (!extend) to = next === undefined ? caret : next;
      else {
        to = sentenceAt(caret)[1];
        if (to <= caret && next !== undefined) to = sentenceAt(next)[1];
      }
    } else if (ev.key === "ArrowUp") {
      const before = sentences().filter((x) => x < caret);
      to = before.length ? before[before.length - 1] : caret;
    } else if (ev.key === "Home") to = firstWordFrom(0);
    else if (ev.key === "End") to = prevWordStart(codePoints.length);
    else if (ev.key === "s" || ev.key === "S") {
      [anchor, caret] = sentenceAt(caret);
      ev.preventDefault();
      ev.stopImmediatePropagation();
      return void showCaret();
    } else if (ev.key === "Escape" && anchor !== caret) {
      anchor = caret;
      ev.preventDefault();
      ev.stopImmediatePropagation();
      return void showCaret();
    } else return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    caret = to;
    if (!extend) anchor = caret;
    showCaret();
  });

  // ------------------------------------------------------------ selection events

  let selTimer = null;
  // A mouse selection is taken when the button is released, never while it grows: a slow drag
  // would otherwise fill (or offer to replace) the form with its first few words.
  let dragging = false;
  document.addEventListener("mousedown", (ev) => {
    dragging = ev.button === 0 && !!textEl() && textEl().contains(ev.target);
  });
  document.addEventListener("mouseup", (ev) => {
    const fromText = dragging || (textEl() && textEl().contains(ev.target)); // may end outside
    dragging = false;
    if (!fromText) return;
    setTimeout(() => {
      const sel = currentSelection();
      if (sel && picking) finishPick(sel);
      else if (sel) {
        fillForm(sel);
        openForm();
      }
    }, 0);
  });
  // Keyboard and programmatic selections: fill the form, let `a` / Enter move into it.
  document.addEventListener("selectionchange", () => {
    clearTimeout(selTimer);
    selTimer = setTimeout(() => {
      if (picking || dragging) return; // taken on mouseup (or A / Enter), not while it grows
      const sel = currentSelection();
      if (sel && (!pending || sel.start !== pending.start || sel.end !== pending.end)) fillForm(sel);
    }, 120);
  });

  // ------------------------------------------------------------ keyboard

  function moveBetweenAnnotations(step) {
    const items = $$("#panel .ann[data-ann]").filter((li) => !li.hidden); // the filter's matches
    if (!items.length) return;
    const current = itemOf(document.activeElement);
    let i = current ? items.indexOf(current) + step : step > 0 ? 0 : items.length - 1;
    i = (i + items.length) % items.length;
    const target = items[i].querySelector("a") || items[i];
    target.focus();
  }

  function typing(el) {
    return el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
  }

  document.addEventListener("keydown", (ev) => {
    const form = ev.target.form || (ev.target.closest && ev.target.closest("form"));
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && form && form.classList.contains("ann-form")) {
      ev.preventDefault();
      form.requestSubmit();
      return;
    }
    if (ev.key === "Escape") {
      const dialog = $("#shortcuts-dialog");
      if (dialog && dialog.open) return; // the dialog closes itself
      if (picking) {
        const was = stopPicking();
        was.button.focus();
        return;
      }
      if ($(".replace-choice")) {
        // Esc answers the question with "keep": the form and its changes stay.
        const form = $(".replace-choice").closest("form");
        dropChoice();
        say("");
        const first = $("select, input:not([type=hidden])", form);
        if (first) first.focus();
        return;
      }
      if (form && form.id === "new-annotation") return void cancelForm();
      if (form && form.id === "edit-annotation") return void cancelForm();
      return;
    }
    if (typing(ev.target) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "?") {
      ev.preventDefault();
      $("#shortcuts-dialog").showModal();
    } else if ((ev.key === "a" || ev.key === "Enter") && !itemOf(ev.target) && ev.target.tagName !== "BUTTON" && ev.target.tagName !== "A") {
      const sel = currentSelection();
      if (sel && picking) {
        ev.preventDefault();
        return void finishPick(sel);
      }
      if (sel) fillForm(sel);
      if (openForm()) ev.preventDefault();
    } else if (ev.key === "/" && $("#filter-text")) {
      ev.preventDefault();
      $("#filter-text").focus();
    } else if (ev.key === "j" || ev.key === "k") {
      ev.preventDefault();
      moveBetweenAnnotations(ev.key === "j" ? 1 : -1);
    } else if (ev.key === "e" && itemOf(ev.target)) {
      ev.preventDefault();
      const link = itemOf(ev.target).querySelector("a.ann-link"); // not the History link
      if (link) link.click();
    }
  });

  document.addEventListener("click", (ev) => {
    const action = ev.target.closest && ev.target.closest("[data-action]");
    if (!action) return;
    const what = action.dataset.action;
    if (what === "shortcuts") $("#shortcuts-dialog").showModal();
    else if (what === "cancel" || what === "cancel-edit") {
      ev.preventDefault();
      cancelForm();
    }
  });

  // ------------------------------------------------------------ list filter

  // The filter bar above the lists (article_detail.html, #list-filter) hides the already
  // rendered items that do not match, in the browser. Its values live here, so they survive the
  // htmx swaps that redraw the whole panel, and are applied again to items that arrive later
  // (out-of-band after a save, a curator's review): see the htmx:load listener below.
  const FILTERS = ["text", "stance", "status", "claim", "source"];
  const filterValues = Object.fromEntries(FILTERS.map((k) => [k, ""]));
  const listItems = () => $$("#panel .ann-list > .ann[data-ann]");
  const partOf = (li, cls) => {
    const el = li.querySelector(`.${cls}`);
    return el ? el.textContent.trim() : "";
  };
  const filtering = () => FILTERS.some((k) => filterValues[k]);

  function matches(li) {
    const f = filterValues;
    if (f.stance && li.dataset.stance !== f.stance) return false;
    if (f.status && li.dataset.status !== f.status) return false;
    if (f.claim && partOf(li, "claim") !== f.claim) return false;
    if (f.source && partOf(li, "source") !== f.source) return false;
    if (!f.text) return true;
    // A replaced item is a new element, so the cached text is never stale.
    if (li.filterText === undefined) {
      li.filterText = ["claim", "source", "quote"].map((c) => partOf(li, c)).join(" ").toLowerCase();
    }
    return li.filterText.includes(f.text.trim().toLowerCase());
  }

  // The claim and source choices: those in the lists now (rebuilt only when they change).
  function fillChoices(items) {
    for (const kind of ["claim", "source"]) {
      const select = $(`#list-filter [data-filter="${kind}"]`);
      if (!select) continue;
      const values = [...new Set(items.map((li) => partOf(li, kind)).filter(Boolean))].sort((a, b) =>
        a.localeCompare(b),
      );
      if (filterValues[kind] && !values.includes(filterValues[kind])) values.unshift(filterValues[kind]);
      const key = values.join("\u0000");
      if (select.dataset.key === key) continue;
      select.dataset.key = key;
      const any = document.createElement("option");
      any.value = "";
      any.textContent = "any";
      select.replaceChildren(
        any,
        ...values.map((v) => {
          const o = document.createElement("option");
          o.value = v;
          o.textContent = v.length > 50 ? `${v.slice(0, 49)}…` : v;
          return o;
        }),
      );
      select.value = filterValues[kind];
    }
  }

  let lastCount = "";
  function applyFilter() {
    const bar = $("#list-filter");
    if (!bar) return;
    for (const input of $$("[data-filter]", bar)) {
      if (input.value !== filterValues[input.dataset.filter]) input.value = filterValues[input.dataset.filter];
    }
    const follow = $("[data-follow]", bar);
    if (follow) follow.checked = followOn();
    const items = listItems();
    fillChoices(items);
    let shown = 0;
    for (const li of items) {
      const show = matches(li);
      if (li.hidden === show) li.hidden = !show;
      if (show) shown++;
    }
    // My list is numbered by CSS counters, which skip hidden items: keep each item's number.
    const mine = $("#my-annotations");
    if (mine) {
      $$(":scope > .ann .num", mine).forEach((num, i) => (num.dataset.n = i + 1));
      mine.classList.toggle("filtering", filtering());
    }
    const text = `${shown} of ${items.length} shown`;
    const count = $("#filter-count", bar);
    if (count && (count.textContent !== text || lastCount !== text)) count.textContent = text;
    lastCount = text;
    const clear = $("[data-filter-clear]", bar);
    if (clear) clear.hidden = !filtering();
  }

  let filterTimer = null;
  document.addEventListener("input", (ev) => {
    const input = ev.target.closest && ev.target.closest("#list-filter [data-filter]");
    if (!input) return;
    filterValues[input.dataset.filter] = input.value.trim() && input.value;
    clearTimeout(filterTimer);
    filterTimer = setTimeout(applyFilter, input.tagName === "INPUT" ? 80 : 0);
  });
  document.addEventListener("click", (ev) => {
    if (!(ev.target.closest && ev.target.closest("#list-filter [data-filter-clear]"))) return;
    FILTERS.forEach((k) => (filterValues[k] = ""));
    applyFilter();
    $("#filter-text").focus();
  });
  // New content (a redrawn panel, an item inserted after a save): filter it too, once per batch.
  let refreshQueued = false;
  document.body.addEventListener("htmx:load", () => {
    if (refreshQueued) return;
    refreshQueued = true;
    setTimeout(() => {
      refreshQueued = false;
      applyFilter();
    }, 0);
  });
  applyFilter();

  // ------------------------------------------------------------ the list follows the text

  // As the article scrolls, the list item of the mark nearest the top of the view is scrolled
  // into view in the panel (the panel's own scroll only; never the page, never the focus). Not
  // while the pointer is in the panel or the focus in its lists, a form is open, or "List follows the text"
  // is off (remembered in localStorage); not on narrow screens, where the panel does not scroll.
  const FOLLOW_KEY = "stancemark:follow";
  function followOn() {
    try {
      return localStorage.getItem(FOLLOW_KEY) !== "off";
    } catch {
      return true;
    }
  }
  document.addEventListener("change", (ev) => {
    if (!(ev.target.matches && ev.target.matches("#list-filter [data-follow]"))) return;
    try {
      localStorage.setItem(FOLLOW_KEY, ev.target.checked ? "on" : "off");
    } catch {
      // Storage disabled: the box still works for this page.
    }
    if (ev.target.checked) followText();
  });
  const followBox = () => $("#list-filter [data-follow]");

  function followText() {
    const box = followBox();
    const panel = $("#panel");
    const root = textEl();
    if (!box || !box.checked || !panel || !root) return;
    if (!["auto", "scroll"].includes(getComputedStyle(panel).overflowY)) return;
    if (panel.scrollHeight <= panel.clientHeight) return;
    // Focus in the filter bar is not in the lists: the follow box was just ticked, say.
    const focus = document.activeElement;
    if (panel.matches(":hover") || (panel.contains(focus) && !focus.closest("#list-filter"))) return;
    const form = newForm();
    if ((form && !form.hidden) || $("#edit-annotation")) return;
    const marks = root.querySelectorAll("mark[data-ids]");
    // Marks are in text order, so their bottoms grow: find the first one below the top edge.
    let lo = 0;
    let hi = marks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid].getBoundingClientRect().bottom <= 0) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < marks.length && i < lo + 200; i++) {
      if (marks[i].getBoundingClientRect().top > window.innerHeight) break;
      for (const id of idsOfMark(marks[i])) {
        const li = $(`#panel .ann[data-ann="${id}"]`);
        if (li && !li.hidden) return void bringIntoPanel(panel, li);
      }
    }
  }

  function bringIntoPanel(panel, li) {
    $$("#panel .ann.is-current").forEach((el) => el !== li && el.classList.remove("is-current"));
    li.classList.add("is-current");
    const p = panel.getBoundingClientRect();
    const r = li.getBoundingClientRect();
    if (r.top >= p.top && r.bottom <= p.bottom) return;
    panel.scrollTop += r.top - p.top - panel.clientHeight / 4;
  }

  let followTimer = null;
  window.addEventListener(
    "scroll",
    () => {
      if (followTimer) return;
      followTimer = setTimeout(() => {
        followTimer = null;
        followText();
      }, 120);
    },
    { passive: true },
  );

  // ------------------------------------------------------------ htmx glue

  function flash(id) {
    const marks = $$(`[data-ids~="${id}"]`, textEl());
    if (!marks.length) return;
    marks[0].scrollIntoView({ block: "center" });
    marks.forEach((m) => {
      m.classList.remove("flash");
      void m.offsetWidth; // restart the animation
      m.classList.add("flash");
    });
  }

  // After a save (views.articles._saved_swaps, plain htmx out-of-band swaps): the form is blank
  // again or closed, the saved span flashes and its list item takes the focus.
  document.body.addEventListener("annotation-saved", (ev) => {
    if (!$("#edit-annotation")) forgetDraft(); // a create saved (an edit keeps the new draft)
    pending = null;
    stopPicking();
    window.getSelection().removeAllRanges();
    const status = $("#status");
    if (status) status.classList.remove("error");
    const id = ev.detail && ev.detail.id;
    setTimeout(() => {
      showPicked([]);
      if (id) flash(id);
      const item = $(`#my-annotations .ann[data-ann="${id}"] a`);
      if (item) item.focus({ preventScroll: true });
    }, 0);
  });

  document.body.addEventListener("htmx:afterSwap", (ev) => {
    const target = ev.detail.target;
    if (picking && !document.contains(picking.button)) stopPicking();
    showPending(pending);
    const form = newForm();
    const hint = $("#select-hint");
    if (target && target.id === "form-slot" && target.querySelector("#edit-annotation")) {
      if (form) form.hidden = true; // an edit form opened
      clearStatus();
      showPicked([]);
      if (hint) hint.hidden = true;
      const first = $("#edit-annotation select, #edit-annotation input:not([type=hidden])");
      if (first) first.focus();
      const mark = $(`[data-ids~="${$("#edit-annotation").dataset.ann}"]`, textEl());
      if (mark) keepAboveDockedForm(target, mark.getBoundingClientRect());
    } else if (target && target.id === "form-slot" && hint && form && form.hidden) {
      hint.hidden = false; // the edit form closed after a save
    }
    // An invalid form comes back in place: put the cursor on the first field with an error.
    const bad = $("#panel .has-error input, #panel .has-error select, #panel .has-error textarea");
    if (bad) bad.focus();
    else if ($("#panel .form-errors")) $("#panel .form-errors").scrollIntoView({ block: "nearest" });
    const undo = $("#panel [data-undo]");
    if (undo) undo.focus();
  });

  // 403/404/500: htmx does not swap them (our choice, see views); say what happened instead.
  document.body.addEventListener("htmx:responseError", (ev) => {
    const xhr = ev.detail.xhr;
    // A 400 in plain text says what was wrong with the request (a NUL in a parameter, a review
    // comment refused; a 409: the review was stale): show it as it is (textContent, never markup).
    const plain = (xhr.getResponseHeader("Content-Type") || "").startsWith("text/plain");
    // A 403 in plain text says why (blind mode: your work on a done article is final).
    const text =
      (xhr.status === 400 || xhr.status === 403 || xhr.status === 409) && plain && xhr.responseText
        ? `${xhr.responseText.slice(0, 400)} Nothing was saved.`
        : xhr.status === 403
          ? "Not allowed: you can change only your own annotations, and only curators review."
          : `Something went wrong (the server answered ${xhr.status}); nothing was saved.`;
    say(text, { error: true });
  });
  document.body.addEventListener("htmx:sendError", () => {
    say("Could not reach the server: nothing was saved. Try again.");
  });

  // Deep link: /articles/<id>/?annotation=<ann_id> scrolls to that span and flashes it.
  if (workspace.dataset.focus) flash(workspace.dataset.focus);
  // A form with errors from a plain (no-JS-path) render: restore the pending outline.
  const form = newForm();
  if (form && !form.hidden && form.elements.start.value) {
    pending = {
      start: Number(form.elements.start.value),
      end: Number(form.elements.end.value),
      quote: form.elements.quote.value,
    };
    showPending(pending);
  }
  // Last, once every section has set itself up: a draft from before a reload comes back.
  restoreDraft();
})();
