"""The actor network: actors as nodes, claims as arrows subject → object, laid out in Python.

Pure geometry over rows that claims.claim_rows already read (no queries here, no Django), so the
page is server-rendered SVG that needs no JavaScript. The layout is deterministic: the same rows
give the same picture, byte for byte, because the start is a fixed spiral (hubs in the middle, in
a stable order) and the force simulation runs a fixed number of steps with no randomness.

Sizes: a node's radius grows with its degree (claims shown that involve it), an arrow's width with
the claim's distinct sources (its tally's `sources`), its colour and dash pattern with the
prevailing stance (prevailing_stance). Parallel claims between the same two actors (several
relations, or both directions) bow apart on either side of the straight line, so none hides
another.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotate.claims import ClaimRow

# The graph shows at most this many claims (the first in the claims page's order: most
# attributions by default). More than that is a hairball on a phone; the page says what it left out.
MAX_CLAIMS = 60
MAX_ACTORS = (
    50  # and no more actors than this: claims past the one that would exceed it are left out
)

DISPUTED = "disputed"
STANCE_ORDER = ("asserts", "denies", "reports", "questions")

# What the legend says for each prevailing stance: colour is never the only difference, each has
# its own line pattern too (set in insights.css).
STANCE_LEGEND = (
    ("asserts", "Asserts", "solid line"),
    ("denies", "Denies", "dashed line"),
    ("reports", "Reports", "dotted line"),
    ("questions", "Questions", "dash-dot line"),
    # Not "disputed": the claims list calls a claim disputed once it is both asserted and denied;
    # here the two lead together.
    (DISPUTED, "Split", "red and green dashes: asserted and denied equally often"),
)
STANCE_LABEL = {stance: label for stance, label, _ in STANCE_LEGEND}

# Geometry, in viewBox units. The viewBox grows with the number of actors, so nodes keep room.
BASE_WIDTH, BASE_HEIGHT = 600.0, 460.0
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 70.0, 34.0, 40.0
MIN_WIDTH, MIN_HEIGHT = 360.0, 220.0
MAX_UNIT = 105.0  # viewBox units per layout unit at most: neighbours about 170 apart
# Drawn at this many CSS pixels per viewBox unit where the page is wide enough (the SVG's width
# attribute), so words keep one size whatever the graph; narrower screens scale it down.
DISPLAY_SCALE = 1.3
NODE_MIN_R, NODE_MAX_R = 9.0, 24.0
NODE_GAP = 22.0  # between two circles' edges: room for the name under the upper one
EDGE_MIN_W, EDGE_MAX_W = 1.6, 7.0
PARALLEL_SPACING = 26.0  # between the middles of two parallel arrows: one label's height and more
BUNDLE_SPREAD = 130.0  # but a bundle of many fans out no wider than this, middle to middle
WIDE_SOURCES = 4  # the fewest distinct sources that may draw the widest arrow
ARROW = 10.0  # arrowhead length; the line stops there so a thick line never pokes past the tip
NAME_CHARS = 22  # longer actor names are shortened in the picture (full in the hover text)
# Work cap for the force simulation (pairs of nodes × steps): ~0.1 s at worst in CPython, where
# one pair costs about 1.5 µs. With MAX_ACTORS that still leaves 49 steps, enough from the spiral.
PAIR_STEPS_BUDGET = 60_000
MAX_STEPS, MIN_STEPS = 150, 40


def prevailing_stance(counts: Iterable[tuple[str, int]]) -> str:
    """The stance with the most attributions; DISPUTED when asserts and denies share the lead.

    Other ties go to the first stance in STANCE_ORDER, so the answer never depends on row order.
    """
    by_stance = dict(counts)
    top = max(by_stance.values(), default=0)
    if top == 0:
        return ""
    leaders = [s for s in STANCE_ORDER if by_stance.get(s, 0) == top]
    if "asserts" in leaders and "denies" in leaders:
        return DISPUTED
    return leaders[0]


@dataclass(frozen=True)
class Node:
    """An actor at its place: `degree` claims shown involve it."""

    id: int
    name: str
    degree: int
    as_subject: int
    as_object: int
    x: float
    y: float
    r: float

    @property
    def short_name(self) -> str:
        return _short(self.name)

    @property
    def label_y(self) -> float:
        return self.y + self.r + 13

    @property
    def summary(self) -> str:
        """Hover text and link name."""
        parts = []
        if self.as_subject:
            parts.append(f"subject of {self.as_subject}")
        if self.as_object:
            parts.append(f"object of {self.as_object}")
        claims = "claim" if self.degree == 1 else "claims"
        return f"{self.name}: {self.degree} {claims} shown ({', '.join(parts)}). Open the actor."


@dataclass(frozen=True)
class Edge:
    """A claim as an arrow from its subject to its object. `path` is SVG path data."""

    row: ClaimRow
    stance: str
    width: float
    path: str
    label_x: float
    label_y: float

    @property
    def stance_label(self) -> str:
        return STANCE_LABEL.get(self.stance, "")

    @property
    def relation(self) -> str:
        return self.row.claim.relation.label

    @property
    def summary(self) -> str:
        """Hover text and link name, e.g. "Russia supports Taliban: asserts (2 of 3 ...)"."""
        row = self.row
        n = row.total
        sources = "source" if row.sources == 1 else "sources"
        counts = ", ".join(f"{c} {s}" for s, c in row.stance_counts if c)
        return (
            f"{row.claim.text}. Prevailing stance: {self.stance_label.lower()} ({counts}; "
            f"{n} attribution{'' if n == 1 else 's'}, {row.sources} distinct {sources})."
            " Open the claim."
        )


@dataclass(frozen=True)
class Network:
    """The picture: nodes, edges and the viewBox size; `total` claims matched, len(edges) shown."""

    nodes: list[Node]
    edges: list[Edge]
    width: float
    height: float
    total: int

    @property
    def display_width(self) -> int:
        return round(self.width * DISPLAY_SCALE)

    @property
    def capped(self) -> bool:
        return self.total > len(self.edges)

    @property
    def summary(self) -> str:
        """What the picture shows, in one sentence (the SVG's description)."""
        actors = "actor" if len(self.nodes) == 1 else "actors"
        claims = "claim" if len(self.edges) == 1 else "claims"
        hubs = sorted(self.nodes, key=lambda n: (-n.degree, n.name.lower(), n.id))[:3]
        most = ", ".join(f"{n.name} ({n.degree})" for n in hubs)
        return (
            f"{len(self.nodes)} {actors} linked by {len(self.edges)} {claims}, each an arrow from "
            f"subject to object. Most connected: {most}. The table below lists the same claims."
        )


def build(rows: Sequence[ClaimRow], *, total: int | None = None) -> Network:
    """Lay out the first of `rows` (claims.ClaimRow) that fit the caps as a network; `total` is
    how many claims matched (the page says how many were left out)."""
    rows = within_caps(rows)
    names: dict[int, str] = {}
    as_subject: dict[int, int] = defaultdict(int)
    as_object: dict[int, int] = defaultdict(int)
    for row in rows:
        claim = row.claim
        names[claim.subject_id] = claim.subject.name
        names[claim.object_id] = claim.object.name
        as_subject[claim.subject_id] += 1
        as_object[claim.object_id] += 1
    degree = {
        actor: sum(1 for r in rows if actor in (r.claim.subject_id, r.claim.object_id))
        for actor in names
    }
    # Hubs first, then by name: the spiral start (and so the whole layout) follows this order.
    order = sorted(names, key=lambda i: (-degree[i], names[i].lower(), i))
    index = {actor: k for k, actor in enumerate(order)}
    radii = [node_radius(degree[a]) for a in order]
    pairs = sorted(
        {
            (min(index[r.claim.subject_id], index[r.claim.object_id]),
             max(index[r.claim.subject_id], index[r.claim.object_id]))
            for r in rows
            if r.claim.subject_id != r.claim.object_id
        }
    )  # fmt: skip
    width, height = canvas_size(len(order))
    points = layout(len(order), pairs, aspect=width / height)
    points, width, height = fit(points, width, height)
    points = separate(points, radii, width, height, [_short(names[a]) for a in order])
    nodes = [
        Node(
            id=a,
            name=names[a],
            degree=degree[a],
            as_subject=as_subject[a],
            as_object=as_object[a],
            x=round(points[k][0], 1),
            y=round(points[k][1], 1),
            r=radii[k],
        )
        for k, a in enumerate(order)
    ]
    by_id = {n.id: n for n in nodes}
    edges = _edges(rows, by_id, index)
    return Network(
        nodes=nodes,
        edges=edges,
        width=width,
        height=height,
        total=max(total if total is not None else len(rows), len(rows)),
    )


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def within_caps(rows: Iterable[ClaimRow]) -> list[ClaimRow]:
    """The first rows, up to MAX_CLAIMS, stopping before one that would bring a 51st actor."""
    kept: list[ClaimRow] = []
    actors: set[int] = set()
    for row in rows:
        ends = {row.claim.subject_id, row.claim.object_id}
        if len(kept) == MAX_CLAIMS or len(actors | ends) > MAX_ACTORS:
            break
        actors |= ends
        kept.append(row)
    return kept


def node_radius(degree: int) -> float:
    return round(min(NODE_MAX_R, NODE_MIN_R + 3.5 * math.sqrt(max(degree - 1, 0))), 1)


def edge_width(sources: int, most: int) -> float:
    """Width of an arrow by its distinct sources, against the most any arrow shown has.

    Relative, so that a picture of claims with 20 to 40 sources still shows which have more; but
    never as if 4 were many (a claim with 2 sources beside ones with 1 stays fairly thin).
    """
    scale = max(most, WIDE_SOURCES) - 1
    share = math.sqrt(max(sources - 1, 0) / scale)
    return round(EDGE_MIN_W + (EDGE_MAX_W - EDGE_MIN_W) * min(share, 1.0), 1)


def canvas_size(n: int) -> tuple[float, float]:
    """The viewBox: the base size up to 16 actors, then growing so each keeps about as much room."""
    grow = max(1.0, math.sqrt(n / 16))
    return round(BASE_WIDTH * grow), round(BASE_HEIGHT * grow)


def components(n: int, pairs: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Groups of nodes linked by some path, biggest first (ties: the one holding the busier
    node first), each in node order."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[root(i)].append(i)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


def layout(n: int, pairs: Sequence[tuple[int, int]], *, aspect: float) -> list[tuple[float, float]]:
    """Each group of linked actors laid out on its own (force_layout), then the groups packed in
    rows, biggest first, into about the canvas's shape: unlinked groups neither fly apart nor
    squeeze the rest. Positions in abstract units (neighbours about 1.6 apart)."""
    groups = components(n, pairs)
    shapes = []
    for group in groups:
        local = {node: k for k, node in enumerate(group)}
        inner = [(local[a], local[b]) for a, b in pairs if a in local]
        points = force_layout(len(group), inner)
        min_x = min(x for x, _ in points)
        min_y = min(y for _, y in points)
        points = [(x - min_x, y - min_y) for x, y in points]
        shapes.append((group, points, max(x for x, _ in points), max(y for _, y in points)))
    gap = 1.8
    area = sum((w + gap) * (h + gap) for _, _, w, h in shapes)
    row_limit = max(max(w for _, _, w, _ in shapes), math.sqrt(area * aspect))
    placed: list[tuple[float, float]] = [(0.0, 0.0)] * n
    x = y = row_height = 0.0
    for group, points, w, h in shapes:
        if x > 0 and x + w > row_limit:
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        for node, (px, py) in zip(group, points, strict=True):
            placed[node] = (x + px, y + py)
        x += w + gap
        row_height = max(row_height, h)
    return placed


def force_layout(n: int, pairs: Sequence[tuple[int, int]]) -> list[tuple[float, float]]:
    """Fruchterman–Reingold from a sunflower spiral, fixed steps: positions in abstract units.

    Node 0 (the busiest) starts in the middle and the rest spiral out in order, so the result
    depends only on the order and the pairs. A weak pull to the centre keeps unconnected groups
    from drifting off.
    """
    if n == 0:
        return []
    golden = math.pi * (3 - math.sqrt(5))
    xs = [math.sqrt(k + 0.5) * math.cos(k * golden) for k in range(n)]
    ys = [math.sqrt(k + 0.5) * math.sin(k * golden) for k in range(n)]
    if n == 1:
        return [(0.0, 0.0)]
    k2 = 1.6 * 1.6  # ideal distance squared: spiral neighbours start about 1 apart
    k_inv = 1 / 1.6
    steps = max(MIN_STEPS, min(MAX_STEPS, PAIR_STEPS_BUDGET // (n * (n - 1) // 2)))
    temperature = math.sqrt(n) / 2
    cooling = temperature / steps
    gravity = 0.06
    for _ in range(steps):
        dx = [0.0] * n
        dy = [0.0] * n
        for i in range(n):
            xi, yi = xs[i], ys[i]
            fx = fy = 0.0
            for j in range(i + 1, n):
                ddx = xi - xs[j]
                ddy = yi - ys[j]
                d2 = ddx * ddx + ddy * ddy
                if d2 < 1e-4:  # coincident: push apart along a fixed direction
                    ddx, ddy, d2 = 0.01 * (i - j), 0.01, 1e-4
                f = k2 / d2  # repulsion k²/d, along the unit vector (ddx, ddy)/d
                fx += ddx * f
                fy += ddy * f
                dx[j] -= ddx * f
                dy[j] -= ddy * f
            dx[i] += fx - gravity * xi
            dy[i] += fy - gravity * yi
        for i, j in pairs:
            ddx = xs[i] - xs[j]
            ddy = ys[i] - ys[j]
            d = math.sqrt(ddx * ddx + ddy * ddy) or 1e-2
            f = d * k_inv  # attraction d²/k, along the unit vector
            dx[i] -= ddx * f
            dy[i] -= ddy * f
            dx[j] += ddx * f
            dy[j] += ddy * f
        for i in range(n):
            length = math.sqrt(dx[i] * dx[i] + dy[i] * dy[i])
            if length > 0:
                step = min(length, temperature) / length
                xs[i] += dx[i] * step
                ys[i] += dy[i] * step
        temperature = max(temperature - cooling, 0.01)
    return list(zip(xs, ys, strict=True))


def fit(
    points: Sequence[tuple[float, float]], width: float, height: float
) -> tuple[list[tuple[float, float]], float, float]:
    """Scale the layout into at most width × height, keeping its shape, and no larger than
    MAX_UNIT per layout unit; the viewBox then shrinks to what is drawn (at least MIN_WIDTH ×
    MIN_HEIGHT), so a small graph is not blown up across the page.

    Returns the points and the viewBox's width and height.
    """
    if not points:
        return [], MIN_WIDTH, MIN_HEIGHT
    inner_w = width - 2 * MARGIN_X
    inner_h = height - MARGIN_TOP - MARGIN_BOTTOM
    min_x = min(x for x, _ in points)
    max_x = max(x for x, _ in points)
    min_y = min(y for _, y in points)
    max_y = max(y for _, y in points)
    span_x, span_y = max_x - min_x, max_y - min_y
    scale = min(
        inner_w / span_x if span_x else math.inf,
        inner_h / span_y if span_y else math.inf,
        MAX_UNIT,
    )
    used_w = max(span_x * scale + 2 * MARGIN_X, MIN_WIDTH)
    used_h = max(span_y * scale + MARGIN_TOP + MARGIN_BOTTOM, MIN_HEIGHT)
    offset_x = (used_w - span_x * scale) / 2 - min_x * scale
    offset_y = (used_h - span_y * scale) / 2 - min_y * scale + (MARGIN_TOP - MARGIN_BOTTOM) / 2
    fitted = [(x * scale + offset_x, y * scale + offset_y) for x, y in points]
    return fitted, round(used_w), round(used_h)


def separate(
    points: Sequence[tuple[float, float]],
    radii: Sequence[float],
    width: float,
    height: float,
    names: Sequence[str] | None = None,
    rounds: int = 40,
) -> list[tuple[float, float]]:
    """Push apart circles closer than NODE_GAP, and nodes whose names (under the circles) would
    overlap another node or name, then keep them inside the viewBox's margins."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    n = len(xs)
    # Each node with its name: a box from the circle's top to under the name, as wide as either.
    half = [max(r, _name_width(name) / 2) for r, name in zip(radii, names or [""] * n, strict=True)]
    below = [r + NAME_FONT + 6 for r in radii]
    for _ in range(rounds):
        moved = False
        for i in range(n):
            for j in range(i + 1, n):
                ddx, ddy = xs[j] - xs[i], ys[j] - ys[i]
                over_x = half[i] + half[j] + 4 - abs(ddx)
                # j under i: i's name is between them; j above i: j's name is.
                over_y = (below[i] + radii[j] if ddy >= 0 else below[j] + radii[i]) - abs(ddy)
                if over_x > 0 and over_y > 0:
                    if over_x < over_y:
                        push_x = (over_x / 2 + 0.01) * (1 if ddx >= 0 else -1)
                        xs[i] -= push_x
                        xs[j] += push_x
                    else:
                        push_y = (over_y / 2 + 0.01) * (1 if ddy >= 0 else -1)
                        ys[i] -= push_y
                        ys[j] += push_y
                    moved = True
                    ddx, ddy = xs[j] - xs[i], ys[j] - ys[i]
                need = radii[i] + radii[j] + NODE_GAP
                d = math.sqrt(ddx * ddx + ddy * ddy)
                if d >= need:
                    continue
                if d < 1e-6:
                    ddx, ddy, d = 1.0, 0.0, 1.0
                push = (need - d) / 2 + 0.01
                ux, uy = ddx / d, ddy / d
                xs[i] -= ux * push
                ys[i] -= uy * push
                xs[j] += ux * push
                ys[j] += uy * push
                moved = True
        for i in range(n):
            xs[i] = min(max(xs[i], MARGIN_X), width - MARGIN_X)
            ys[i] = min(
                max(ys[i], MARGIN_TOP - 10 + radii[i]), height - MARGIN_BOTTOM + 10 - radii[i]
            )
        if not moved:
            break
    return list(zip(xs, ys, strict=True))


def _name_width(name: str) -> float:
    return len(name) * NAME_FONT * 0.6


# ---------------------------------------------------------------- edges


def _edges(rows: Sequence[ClaimRow], nodes: dict[int, Node], index: dict[int, int]) -> list[Edge]:
    """Arrows for the rows, parallel ones between the same two actors bowed apart, each label
    at the first place along its arrow that covers no node, name or earlier label."""
    bundles: dict[tuple[int, int], list[ClaimRow]] = defaultdict(list)
    for row in rows:
        a, b = row.claim.subject_id, row.claim.object_id
        bundles[(a, b) if index[a] <= index[b] else (b, a)].append(row)
    shapes: dict[int, tuple[str, list[tuple[float, float]]]] = {}
    thinning: dict[int, float] = {}  # arrows packed closer in a big bundle are drawn thinner
    for (a, b), bundle in bundles.items():
        bundle.sort(key=lambda r: (r.claim.subject_id != a, r.claim.relation.label, r.claim.pk))
        spacing = min(PARALLEL_SPACING, BUNDLE_SPREAD / max(len(bundle) - 1, 1))
        for k, row in enumerate(bundle):
            offset = (k - (len(bundle) - 1) / 2) * spacing
            thinning[id(row)] = max(0.5, spacing / PARALLEL_SPACING)
            if a == b:
                shapes[id(row)] = _loop(nodes[a], k)
            else:
                start, end = nodes[row.claim.subject_id], nodes[row.claim.object_id]
                shapes[id(row)] = _arc(start, end, nodes[a], nodes[b], offset)
    taken = [_node_box(node) for node in nodes.values()]
    taken += [_name_box(node) for node in nodes.values()]
    most = max(row.sources for row in rows)
    edges = []
    for row in rows:  # most attributions first: they get the best places
        path, candidates = shapes[id(row)]
        label = row.claim.relation.label
        x, y = _place(label, candidates, taken)
        taken.append(_label_box(label, x, y))
        edges.append(
            Edge(
                row=row,
                stance=prevailing_stance(row.stance_counts),
                width=round(edge_width(row.sources, most) * thinning[id(row)], 1),
                path=path,
                label_x=round(x, 1),
                label_y=round(y, 1),
            )
        )
    return edges  # in the rows' order: the table's, and the tab order


# Where along an arrow its label may go (Bézier parameter), best first: the middle, then out.
LABEL_TS = (0.5, 0.4, 0.6, 0.32, 0.68, 0.25, 0.75)
EDGE_FONT, NAME_FONT = 11.5, 13.0  # as in insights.css; a character is about 0.56 em wide
Box = tuple[float, float, float, float]  # left, top, right, bottom


def _label_box(text: str, x: float, y: float) -> Box:
    half = (len(text) * EDGE_FONT * 0.56 + 4) / 2
    return (x - half, y - EDGE_FONT * 0.65, x + half, y + EDGE_FONT * 0.65)


def _node_box(node: Node) -> Box:
    return (node.x - node.r, node.y - node.r, node.x + node.r, node.y + node.r)


def _name_box(node: Node) -> Box:
    half = _name_width(node.short_name) / 2
    return (node.x - half, node.label_y - NAME_FONT, node.x + half, node.label_y + 3)


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _place(
    label: str, candidates: Sequence[tuple[float, float]], taken: Sequence[Box]
) -> tuple[float, float]:
    """The first candidate where the label covers nothing, else the one covering least."""
    best, best_cover = candidates[0], math.inf
    for x, y in candidates:
        box = _label_box(label, x, y)
        cover = sum(_overlap(box, other) for other in taken)
        if cover == 0:
            return x, y
        if cover < best_cover:
            best, best_cover = (x, y), cover
    return best


def _arc(
    start: Node, end: Node, first: Node, second: Node, offset: float
) -> tuple[str, list[tuple[float, float]]]:
    """A quadratic curve from start to end whose middle is `offset` off the straight line, and
    the places for its label (points along it).

    The side is measured from `first` to `second` (the bundle's fixed direction), so two claims
    in opposite directions with different offsets bow to different sides.
    """
    ux, uy = second.x - first.x, second.y - first.y
    length = math.hypot(ux, uy) or 1.0
    nx, ny = -uy / length, ux / length  # normal of the bundle's direction
    mid_x, mid_y = (start.x + end.x) / 2, (start.y + end.y) / 2
    # A quadratic Bézier's middle lies halfway to its control point.
    cx, cy = mid_x + 2 * offset * nx, mid_y + 2 * offset * ny
    x0, y0 = _towards(start, cx, cy, start.r + 1)
    x2, y2 = _towards(end, cx, cy, end.r + 1 + ARROW)
    points = [
        ((1 - t) ** 2 * x0 + 2 * t * (1 - t) * cx + t * t * x2,
         (1 - t) ** 2 * y0 + 2 * t * (1 - t) * cy + t * t * y2)
        for t in LABEL_TS
    ]  # fmt: skip
    return f"M{x0:.1f} {y0:.1f} Q{cx:.1f} {cy:.1f} {x2:.1f} {y2:.1f}", points


def _towards(node: Node, x: float, y: float, distance: float) -> tuple[float, float]:
    dx, dy = x - node.x, y - node.y
    length = math.hypot(dx, dy) or 1.0
    return node.x + dx / length * distance, node.y + dy / length * distance


def _loop(node: Node, k: int) -> tuple[str, list[tuple[float, float]]]:
    """A claim whose subject is its object: a loop over the node, larger for each further one."""
    size = node.r * 2.2 + 14 * k
    x0, y0 = node.x - node.r * 0.5, node.y - node.r * 0.87
    x2, y2 = node.x + node.r * 0.5, node.y - node.r * 0.87 - ARROW * 0.6
    c1 = (node.x - size, node.y - size * 1.3)
    c2 = (node.x + size, node.y - size * 1.3)
    path = f"M{x0:.1f} {y0:.1f} C{c1[0]:.1f} {c1[1]:.1f} {c2[0]:.1f} {c2[1]:.1f} {x2:.1f} {y2:.1f}"
    return path, [(node.x, node.y - size)]
