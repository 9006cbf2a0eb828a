"""Reading the workspace's markup in tests: what htmx does to the page with a response, in Python.

`apply_swaps` performs htmx's out-of-band swaps (and optionally the main swap) on a page, so a test
can compare the page after a save's response with the page the server renders from scratch. It
covers the swap styles the workspace uses and refuses anything else, and a swap whose target is
missing fails the test (htmx would skip it silently, leaving the page stale).
"""

from __future__ import annotations

from lxml import html as lxml_html
from lxml.etree import _Element

SUPPORTED = {"outerHTML", "innerHTML", "beforebegin", "beforeend", "delete"}


def parse_page(page_html: str) -> _Element:
    """A whole page (or a fragment, wrapped in a <div>) as an element tree."""
    if page_html.lstrip().lower().startswith(("<!doctype", "<html")):
        return lxml_html.document_fromstring(page_html)
    return lxml_html.fragment_fromstring(page_html, create_parent="div")


def by_id(root: _Element, element_id: str) -> _Element:
    found = root.xpath(".//*[@id=$id]", id=element_id)
    assert len(found) == 1, f"expected one element with id {element_id!r}, found {len(found)}"
    return found[0]


def outer(root: _Element, element_id: str) -> str:
    """The serialised element with that id (its tail text left out)."""
    element = by_id(root, element_id)
    tail, element.tail = element.tail, None
    try:
        return lxml_html.tostring(element, encoding="unicode")
    finally:
        element.tail = tail


def _content(element: _Element) -> list[_Element]:
    """An out-of-band wrapper's children; the workspace never puts loose text between them."""
    assert not (element.text or "").strip(), "loose text in an out-of-band wrapper"
    children = list(element)
    for child in children:
        assert not (child.tail or "").strip(), "loose text in an out-of-band wrapper"
        child.tail = None
    return children


def _remove(element: _Element) -> None:
    """Remove an element but keep the text that follows it (lxml stores it on the element)."""
    parent = element.getparent()
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _swap(root: _Element, style: str, target_id: str, new: _Element) -> None:
    assert style in SUPPORTED, f"swap style {style!r} is not one the workspace uses"
    target = by_id(root, target_id)
    if style == "outerHTML":
        new.tail = target.tail
        target.getparent().replace(target, new)
    elif style == "innerHTML":
        for child in list(target):
            target.remove(child)
        target.text = new.text
        target.extend(list(new))  # children keep the text that follows them
    elif style == "beforebegin":
        for child in _content(new):
            target.addprevious(child)
    elif style == "beforeend":
        target.extend(_content(new))
    else:
        _remove(target)


def _target_id(selector: str) -> str:
    assert selector.startswith("#") and " " not in selector, f"unsupported selector {selector!r}"
    return selector[1:]


def apply_swaps(
    page: _Element, response_html: str, *, target: str | None = None, swap: str = "outerHTML"
) -> list[str]:
    """Apply `response_html` to `page` in place, as htmx would; return the swap specs applied.

    Out-of-band elements (top level, `hx-swap-oob`) go where their spec says; the rest is the main
    content, swapped into `target` with `swap` when a target is given (else it must be blank).
    """
    parts = lxml_html.fragments_fromstring(response_html)
    leading = parts.pop(0) if parts and isinstance(parts[0], str) else ""
    assert not leading.strip() or target, f"loose text at the top of the response: {leading!r}"
    main: list[_Element] = []
    applied: list[str] = []
    for part in parts:
        spec = part.attrib.pop("hx-swap-oob", None)
        if spec is None:
            main.append(part)
            continue
        tail, part.tail = part.tail, None
        assert not (tail or "").strip(), "loose text between out-of-band parts"
        if spec == "true":
            style, selector = "outerHTML", f"#{part.get('id')}"
        elif ":" in spec:
            style, selector = spec.split(":", 1)
        else:
            style, selector = spec, f"#{part.get('id')}"
        _swap(page, style, _target_id(selector), part)
        applied.append(spec)
    if target is not None:
        wrapper = lxml_html.fragment_fromstring("<div></div>")
        wrapper.text = leading
        wrapper.extend(main)
        if swap == "outerHTML":
            assert len(main) == 1, "an outerHTML main swap needs exactly one element"
            main[0].tail = None
            _swap(page, "outerHTML", _target_id(target), main[0])
        else:
            _swap(page, swap, _target_id(target), wrapper)
    else:
        assert not main, "main content but no target to swap it into"
    return applied
