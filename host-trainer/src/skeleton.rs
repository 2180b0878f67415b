//! Raster digit → pen strokes, by skeletonisation.
//!
//! Turns a grayscale image (an MNIST digit, a scanned drawing) into the vector
//! strokes a pen could have drawn, so raster data can go through the core's
//! *stroke* path (`nnet_core::preprocess::from_strokes_with`). Used to build the
//! committed ink test set (`inkset`) and by the trainer to augment training
//! digits with re-rendered strokes at random pen widths.
//!
//! Steps:
//! 1. threshold (`pixel >= threshold` is ink);
//! 2. Guo–Hall thinning to a one-pixel-wide, 8-connected skeleton, then removal
//!    of the "staircase" corner pixels that thinning leaves on diagonals;
//! 3. the skeleton as a graph: end points (one neighbour) and junctions (three
//!    or more; touching junction pixels form one node at their centroid) are
//!    nodes, the chains of two-neighbour pixels between them are edges, and
//!    node-free closed rings are loops;
//! 4. short spurs (an end point joined to a junction by fewer than
//!    [`SkeletonParams::min_spur`] pixels) and tiny junction loops are dropped;
//! 5. at every node the incident edges are paired by straightest continuation
//!    (a `T` gives one straight stroke plus one ending at the bar; an `X` two
//!    crossing strokes; a node left with two edges joins them), and the pairs
//!    are chained into polylines;
//! 6. each polyline is smoothed (1-2-1 kernel, ends fixed) and simplified
//!    (Douglas–Peucker), components shorter than
//!    [`SkeletonParams::min_length`] are dropped, and strokes are oriented and
//!    ordered roughly as people write: top first, each starting at its upper end.
//!
//! Output points are in the image's pixel coordinates: pixel `(col, row)`
//! covers `[col, col+1) x [row, row+1)`, so its centre is `(col + 0.5, row + 0.5)`;
//! y grows downwards. Work is linear in the pixel count times the number of
//! thinning passes (bounded by the image size); no input can make it panic or
//! loop forever.

/// Largest accepted raster side, to bound time and memory.
pub const MAX_SIDE: usize = 4096;

/// Parameters of [`strokes_from_raster`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkeletonParams {
    /// A pixel is ink when its value is at least this (values are 0.0 background
    /// .. 1.0 ink; for `u8` input the threshold is compared with `value / 255`).
    pub threshold: f32,
    /// Spurs (end point to junction) shorter than this many pixels are dropped.
    pub min_spur: f32,
    /// Connected stroke groups whose total length is below this many pixels are
    /// dropped as noise (a lone dot has length 0).
    pub min_length: f32,
    /// Smoothing passes of the 1-2-1 kernel over each polyline (0 = none).
    pub smooth_passes: u32,
    /// Douglas–Peucker tolerance in pixels (0 = keep every skeleton pixel).
    pub simplify: f32,
    /// Ink deeper than this many pixels inside a blob (distance to the
    /// background, 3-4 chamfer) is carved out before thinning, so a loop
    /// drawn with a thick pen whose hole filled in (a solid `6`, `9` or `8`
    /// bowl) becomes a ring, and thins to a loop instead of a dot or a short
    /// line. 0 disables it.
    pub carve_depth: f32,
}

impl Default for SkeletonParams {
    /// Settings for MNIST-like 28x28 digits (strokes 2-3 px wide).
    fn default() -> Self {
        SkeletonParams {
            threshold: 0.5,
            min_spur: 3.0,
            min_length: 2.5,
            smooth_passes: 2,
            simplify: 0.25,
            carve_depth: 2.5,
        }
    }
}

/// Why a raster could not be skeletonised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SkeletonError {
    /// Width or height is zero or larger than [`MAX_SIDE`].
    #[error("raster size {width}x{height} is not within 1x1..{MAX_SIDE}x{MAX_SIDE}")]
    BadSize {
        /// Given width.
        width: usize,
        /// Given height.
        height: usize,
    },
    /// The pixel slice does not hold `width * height` values.
    #[error("raster needs {expected} pixels, got {actual}")]
    LengthMismatch {
        /// `width * height`.
        expected: usize,
        /// Slice length.
        actual: usize,
    },
    /// A pixel value or a parameter is NaN or infinite.
    #[error("NaN or infinite pixel value or parameter")]
    NonFinite,
}

/// A stroke: points in image pixel coordinates.
pub type Stroke = Vec<[f32; 2]>;

/// Skeletonises a 0.0..1.0 grayscale raster (row-major, `width * height`
/// values) into strokes. An image without ink gives no strokes.
pub fn strokes_from_raster(
    pixels: &[f32],
    width: usize,
    height: usize,
    params: &SkeletonParams,
) -> Result<Vec<Stroke>, SkeletonError> {
    check_size(pixels.len(), width, height)?;
    check_params(params)?;
    if pixels.iter().any(|v| !v.is_finite()) {
        return Err(SkeletonError::NonFinite);
    }
    let mut grid = Grid::new(width, height);
    for (r, row) in pixels.chunks_exact(width).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            grid.set(c, r, v >= params.threshold);
        }
    }
    Ok(grid.into_strokes(params))
}

/// Like [`strokes_from_raster`] for 8-bit pixels (0 background .. 255 ink, as
/// in MNIST IDX files).
pub fn strokes_from_u8(
    pixels: &[u8],
    width: usize,
    height: usize,
    params: &SkeletonParams,
) -> Result<Vec<Stroke>, SkeletonError> {
    check_size(pixels.len(), width, height)?;
    check_params(params)?;
    let mut grid = Grid::new(width, height);
    for (r, row) in pixels.chunks_exact(width).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            grid.set(c, r, f32::from(v) / 255.0 >= params.threshold);
        }
    }
    Ok(grid.into_strokes(params))
}

fn check_size(len: usize, width: usize, height: usize) -> Result<(), SkeletonError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(SkeletonError::BadSize { width, height });
    }
    if len != width * height {
        return Err(SkeletonError::LengthMismatch {
            expected: width * height,
            actual: len,
        });
    }
    Ok(())
}

fn check_params(p: &SkeletonParams) -> Result<(), SkeletonError> {
    let finite = [
        p.threshold,
        p.min_spur,
        p.min_length,
        p.simplify,
        p.carve_depth,
    ]
    .iter()
    .all(|v| v.is_finite());
    if finite {
        Ok(())
    } else {
        Err(SkeletonError::NonFinite)
    }
}

const NONE: u32 = u32::MAX;

/// Binary image with a one-pixel background border, so every real pixel has
/// all eight neighbours in bounds.
struct Grid {
    /// Padded width.
    w: usize,
    /// Padded height.
    h: usize,
    px: Vec<u8>,
    /// Offsets of the 8 neighbours in ring order N, NE, E, SE, S, SW, W, NW.
    ring: [isize; 8],
}

/// An end of an edge at a node.
#[derive(Clone, Copy)]
struct End {
    edge: usize,
    /// false = the edge's first point, true = its last point.
    last: bool,
}

struct Edge {
    /// Node at the first point.
    a: u32,
    /// Node at the last point (`NONE` for node-free loops).
    b: u32,
    pts: Vec<[f32; 2]>,
    alive: bool,
}

impl Grid {
    fn new(width: usize, height: usize) -> Grid {
        let w = width + 2;
        let h = height + 2;
        let wi = w as isize;
        Grid {
            w,
            h,
            px: vec![0; w * h],
            ring: [-wi, -wi + 1, 1, wi + 1, wi, wi - 1, -1, -wi - 1],
        }
    }

    fn set(&mut self, col: usize, row: usize, ink: bool) {
        self.px[(row + 1) * self.w + col + 1] = u8::from(ink);
    }

    /// The 8 neighbours of padded index `i` (which must not be on the border).
    fn nb(&self, i: usize) -> [u8; 8] {
        let mut out = [0u8; 8];
        for (o, &d) in out.iter_mut().zip(self.ring.iter()) {
            *o = self.px[i.wrapping_add_signed(d)];
        }
        out
    }

    fn degree(&self, i: usize) -> u32 {
        self.nb(i).iter().map(|&v| u32::from(v)).sum()
    }

    fn interior(&self) -> impl Iterator<Item = usize> {
        let w = self.w;
        let h = self.h;
        (1..h - 1).flat_map(move |r| (1..w - 1).map(move |c| r * w + c))
    }

    /// Pixel centre of padded index `i` in unpadded image coordinates.
    fn pos(&self, i: usize) -> [f32; 2] {
        let c = i % self.w;
        let r = i / self.w;
        [c as f32 - 0.5, r as f32 - 0.5]
    }

    /// Clears ink whose 3-4 chamfer distance to the background exceeds
    /// `depth` pixels (two raster passes; the border is background).
    fn carve(&mut self, depth: f32) {
        let (w, h) = (self.w, self.h);
        let mut d: Vec<u32> = self
            .px
            .iter()
            .map(|&v| if v == 0 { 0 } else { u32::MAX / 2 })
            .collect();
        for r in 1..h - 1 {
            for c in 1..w - 1 {
                let i = r * w + c;
                if d[i] == 0 {
                    continue;
                }
                let m = (d[i - 1] + 3)
                    .min(d[i - w] + 3)
                    .min(d[i - w - 1] + 4)
                    .min(d[i - w + 1] + 4);
                d[i] = d[i].min(m);
            }
        }
        for r in (1..h - 1).rev() {
            for c in (1..w - 1).rev() {
                let i = r * w + c;
                if d[i] == 0 {
                    continue;
                }
                let m = (d[i + 1] + 3)
                    .min(d[i + w] + 3)
                    .min(d[i + w + 1] + 4)
                    .min(d[i + w - 1] + 4);
                d[i] = d[i].min(m);
            }
        }
        let limit = depth * 3.0;
        for (p, &dist) in self.px.iter_mut().zip(&d) {
            if dist as f32 > limit {
                *p = 0;
            }
        }
    }

    /// Guo–Hall thinning (two sub-iterations per pass, until stable).
    fn thin(&mut self) {
        let mut del: Vec<usize> = Vec::new();
        // Every pass that changes something deletes at least one pixel, so the
        // loop is bounded by the ink count; the explicit cap is belt and braces.
        for _ in 0..self.px.len() {
            let mut changed = false;
            for sub in 0..2 {
                del.clear();
                for i in self.interior() {
                    if self.px[i] == 0 {
                        continue;
                    }
                    let [p2, p3, p4, p5, p6, p7, p8, p9] = self.nb(i);
                    let c = (u8::from(p2 == 0) & (p3 | p4))
                        + (u8::from(p4 == 0) & (p5 | p6))
                        + (u8::from(p6 == 0) & (p7 | p8))
                        + (u8::from(p8 == 0) & (p9 | p2));
                    let n1 = (p9 | p2) + (p3 | p4) + (p5 | p6) + (p7 | p8);
                    let n2 = (p2 | p3) + (p4 | p5) + (p6 | p7) + (p8 | p9);
                    let n = n1.min(n2);
                    let m = if sub == 0 {
                        (p6 | p7 | u8::from(p9 == 0)) & p8
                    } else {
                        (p2 | p3 | u8::from(p5 == 0)) & p4
                    };
                    if c == 1 && (2..=3).contains(&n) && m == 0 {
                        del.push(i);
                    }
                }
                for &i in &del {
                    self.px[i] = 0;
                }
                changed |= !del.is_empty();
            }
            if !changed {
                break;
            }
        }
    }

    /// Removes corner pixels of diagonal staircases: a pixel with two
    /// orthogonal 4-neighbours whose neighbours form a single 8-connected group
    /// is redundant (removing it keeps connectivity and is no end point).
    fn remove_staircases(&mut self) {
        let idx: Vec<usize> = self.interior().filter(|&i| self.px[i] != 0).collect();
        for i in idx {
            let nb = self.nb(i);
            let [n, _, e, _, s, _, w, _] = nb;
            let corner = (n & e) | (e & s) | (s & w) | (w & n);
            if corner == 1 && neighbour_groups(&nb) == 1 {
                self.px[i] = 0;
            }
        }
    }

    fn into_strokes(mut self, params: &SkeletonParams) -> Vec<Stroke> {
        if params.carve_depth > 0.0 {
            self.carve(params.carve_depth);
        }
        self.thin();
        self.remove_staircases();
        let (nodes, node_of) = self.nodes();
        let mut edges = self.trace_edges(&nodes, &node_of);
        prune(&mut edges, nodes.len(), params.min_spur);
        let lines = chain(&edges, &nodes);
        finish(lines, params)
    }

    /// Node pixels: end points, isolated pixels and junction clusters. Returns
    /// node centroids and the node id of every pixel (`NONE` for chain pixels).
    fn nodes(&self) -> (Vec<[f32; 2]>, Vec<u32>) {
        let mut node_of = vec![NONE; self.px.len()];
        let mut nodes: Vec<[f32; 2]> = Vec::new();
        let mut stack = Vec::new();
        for i in self.interior() {
            if self.px[i] == 0 || node_of[i] != NONE {
                continue;
            }
            let d = self.degree(i);
            if d == 2 {
                continue;
            }
            let id = nodes.len() as u32;
            node_of[i] = id;
            if d < 3 {
                nodes.push(self.pos(i));
                continue;
            }
            // flood the cluster of touching junction pixels
            let (mut sx, mut sy, mut cnt) = (0.0f32, 0.0f32, 0.0f32);
            stack.push(i);
            while let Some(j) = stack.pop() {
                let p = self.pos(j);
                sx += p[0];
                sy += p[1];
                cnt += 1.0;
                for &d in &self.ring {
                    let k = j.wrapping_add_signed(d);
                    if self.px[k] != 0 && node_of[k] == NONE && self.degree(k) >= 3 {
                        node_of[k] = id;
                        stack.push(k);
                    }
                }
            }
            nodes.push([sx / cnt, sy / cnt]);
        }
        (nodes, node_of)
    }

    /// Edges between nodes along chains of two-neighbour pixels, then the
    /// node-free loops.
    fn trace_edges(&self, nodes: &[[f32; 2]], node_of: &[u32]) -> Vec<Edge> {
        let mut visited = vec![false; self.px.len()];
        let mut edges: Vec<Edge> = Vec::new();
        let mut direct: Vec<(u32, u32)> = Vec::new();
        for i in self.interior() {
            let n = node_of[i];
            if n == NONE {
                continue;
            }
            for &d in &self.ring {
                let q = i.wrapping_add_signed(d);
                if self.px[q] == 0 || node_of[q] == n {
                    continue;
                }
                if node_of[q] != NONE {
                    let m = node_of[q];
                    let key = (n.min(m), n.max(m));
                    if !direct.contains(&key) {
                        direct.push(key);
                        edges.push(Edge {
                            a: n,
                            b: m,
                            pts: vec![nodes[n as usize], nodes[m as usize]],
                            alive: true,
                        });
                    }
                    continue;
                }
                if visited[q] {
                    continue;
                }
                let mut pts = vec![nodes[n as usize]];
                let end = self.walk(i, q, &mut visited, &mut pts, node_of);
                let b = match end {
                    Some(k) => {
                        pts.push(nodes[node_of[k] as usize]);
                        node_of[k]
                    }
                    None => NONE,
                };
                edges.push(Edge {
                    a: n,
                    b,
                    pts,
                    alive: true,
                });
            }
        }
        // node-free rings (an `O` drawn without any end or junction)
        for i in self.interior() {
            if self.px[i] == 0 || node_of[i] != NONE || visited[i] {
                continue;
            }
            visited[i] = true;
            let mut pts = vec![self.pos(i)];
            let next = self
                .ring
                .iter()
                .map(|&d| i.wrapping_add_signed(d))
                .find(|&k| self.px[k] != 0);
            if let Some(q) = next {
                if !visited[q] {
                    // a ring has no node pixel, so the walk ends back at `i`
                    let _ = self.walk(i, q, &mut visited, &mut pts, node_of);
                }
            }
            pts.push(self.pos(i));
            edges.push(Edge {
                a: NONE,
                b: NONE,
                pts,
                alive: true,
            });
        }
        edges
    }

    /// Follows a chain from `prev` into chain pixel `cur`, marking and
    /// recording pixels, until it reaches a node pixel (returned) or a
    /// visited / dead end (None). Bounded: every step visits a new pixel.
    fn walk(
        &self,
        mut prev: usize,
        mut cur: usize,
        visited: &mut [bool],
        pts: &mut Vec<[f32; 2]>,
        node_of: &[u32],
    ) -> Option<usize> {
        loop {
            visited[cur] = true;
            pts.push(self.pos(cur));
            let mut next = None;
            for &d in &self.ring {
                let k = cur.wrapping_add_signed(d);
                if k != prev && self.px[k] != 0 {
                    next = Some(k);
                    break;
                }
            }
            let k = next?;
            if node_of[k] != NONE {
                return Some(k);
            }
            if visited[k] {
                return None;
            }
            prev = cur;
            cur = k;
        }
    }
}

/// Number of 8-connected groups among the set neighbours of a pixel (ring
/// order N, NE, E, SE, S, SW, W, NW). Adjacent ring entries touch; so do two
/// 4-neighbours separated by a diagonal (e.g. N and E).
fn neighbour_groups(nb: &[u8; 8]) -> u32 {
    let mut parent = [0usize; 8];
    for (k, p) in parent.iter_mut().enumerate() {
        *p = k;
    }
    fn find(parent: &mut [usize; 8], mut k: usize) -> usize {
        while parent[k] != k {
            k = parent[k];
        }
        k
    }
    let mut join = |a: usize, b: usize| {
        if nb[a] != 0 && nb[b] != 0 {
            let ra = find(&mut parent, a);
            let rb = find(&mut parent, b);
            parent[ra] = rb;
        }
    };
    for k in 0..8 {
        join(k, (k + 1) % 8);
    }
    for k in [0, 2, 4, 6] {
        join(k, (k + 2) % 8);
    }
    (0..8)
        .filter(|&k| nb[k] != 0 && find(&mut parent, k) == k)
        .count() as u32
}

fn length(pts: &[[f32; 2]]) -> f32 {
    pts.windows(2)
        .map(|w| libm::hypotf(w[1][0] - w[0][0], w[1][1] - w[0][1]))
        .sum()
}

fn degrees(edges: &[Edge], n_nodes: usize) -> Vec<u32> {
    let mut deg = vec![0u32; n_nodes];
    for e in edges.iter().filter(|e| e.alive) {
        for n in [e.a, e.b] {
            if let Some(d) = deg.get_mut(n as usize) {
                *d += 1;
            }
        }
    }
    deg
}

/// Drops short spurs and tiny loops at junctions (repeated while it changes
/// anything; each round removes at least one edge, so it ends).
fn prune(edges: &mut [Edge], n_nodes: usize, min_spur: f32) {
    loop {
        let deg = degrees(edges, n_nodes);
        let d = |n: u32| deg.get(n as usize).copied().unwrap_or(0);
        let mut changed = false;
        for e in edges.iter_mut().filter(|e| e.alive) {
            let len = length(&e.pts);
            if len >= min_spur {
                continue;
            }
            let spur = (d(e.a) == 1 && d(e.b) >= 3) || (d(e.b) == 1 && d(e.a) >= 3);
            // a loop from a junction back to itself, or a 1-pixel hop
            let self_loop = e.a != NONE && e.a == e.b && d(e.a) >= 3;
            if spur || self_loop {
                e.alive = false;
                changed = true;
                // one removal per round: degrees change
                break;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Unit direction in which an edge leaves its node at `end`, from the node to
/// the point about 3 px along the edge.
fn direction(e: &Edge, last: bool) -> [f32; 2] {
    let n = e.pts.len();
    let at = |k: usize| if last { e.pts[n - 1 - k] } else { e.pts[k] };
    let o = at(0);
    let mut acc = 0.0;
    let mut p = o;
    for k in 1..n {
        let q = at(k);
        acc += libm::hypotf(q[0] - p[0], q[1] - p[1]);
        p = q;
        if acc >= 3.0 {
            break;
        }
    }
    let (dx, dy) = (p[0] - o[0], p[1] - o[1]);
    let l = libm::hypotf(dx, dy);
    if l > 0.0 {
        [dx / l, dy / l]
    } else {
        [0.0, 0.0]
    }
}

/// Pairs edge ends at every node by straightest continuation and chains the
/// pairs into polylines.
fn chain(edges: &[Edge], nodes: &[[f32; 2]]) -> Vec<Vec<[f32; 2]>> {
    // incident ends per node
    let mut at_node: Vec<Vec<End>> = vec![Vec::new(); nodes.len()];
    for (k, e) in edges.iter().enumerate().filter(|(_, e)| e.alive) {
        if let Some(v) = at_node.get_mut(e.a as usize) {
            v.push(End {
                edge: k,
                last: false,
            });
        }
        if let Some(v) = at_node.get_mut(e.b as usize) {
            v.push(End {
                edge: k,
                last: true,
            });
        }
    }
    // partner[edge][end] = the end it continues into
    let mut partner: Vec<[Option<End>; 2]> = vec![[None, None]; edges.len()];
    for ends in &at_node {
        if ends.len() < 2 {
            continue;
        }
        let dirs: Vec<[f32; 2]> = ends
            .iter()
            .map(|x| direction(&edges[x.edge], x.last))
            .collect();
        let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
        for i in 0..ends.len() {
            for j in i + 1..ends.len() {
                let cos = dirs[i][0] * dirs[j][0] + dirs[i][1] * dirs[j][1];
                pairs.push((cos, i, j));
            }
        }
        pairs.sort_by(|x, y| x.0.total_cmp(&y.0));
        // a node left with two edges always joins them; at real junctions only
        // continuations bending less than ~110 degrees are joined
        let limit = if ends.len() == 2 { 2.0 } else { -0.35 };
        let mut used = vec![false; ends.len()];
        for (cos, i, j) in pairs {
            if cos > limit || used[i] || used[j] {
                continue;
            }
            used[i] = true;
            used[j] = true;
            let (ei, ej) = (ends[i], ends[j]);
            partner[ei.edge][usize::from(ei.last)] = Some(ej);
            partner[ej.edge][usize::from(ej.last)] = Some(ei);
        }
    }

    let mut used = vec![false; edges.len()];
    let mut lines = Vec::new();
    // open chains first (start at an unpaired end), then closed cycles
    for pass in 0..2 {
        for k in 0..edges.len() {
            if used[k] || !edges[k].alive {
                continue;
            }
            let start_last = match pass {
                0 => match (partner[k][0], partner[k][1]) {
                    (None, _) => false,
                    (_, None) => true,
                    _ => continue,
                },
                _ => false,
            };
            let mut line: Vec<[f32; 2]> = Vec::new();
            let mut cur = End {
                edge: k,
                last: start_last,
            };
            // every step uses a new edge, so at most edges.len() steps
            while !used[cur.edge] {
                used[cur.edge] = true;
                let e = &edges[cur.edge];
                let skip = usize::from(!line.is_empty());
                if cur.last {
                    line.extend(e.pts.iter().rev().skip(skip));
                } else {
                    line.extend(e.pts.iter().skip(skip));
                }
                match partner[cur.edge][usize::from(!cur.last)] {
                    Some(next) => cur = next,
                    None => break,
                }
            }
            lines.push(line);
        }
    }
    lines
}

/// Smooths, simplifies, drops noise, orients and orders the polylines.
fn finish(lines: Vec<Vec<[f32; 2]>>, params: &SkeletonParams) -> Vec<Stroke> {
    let mut out: Vec<Stroke> = Vec::new();
    for mut line in lines {
        line.dedup();
        if line.is_empty() {
            continue;
        }
        let closed = line.len() > 2 && line.first() == line.last();
        for _ in 0..params.smooth_passes {
            smooth(&mut line, closed);
        }
        let mut s = simplify(&line, params.simplify);
        if !closed {
            let (a, b) = (s[0], s[s.len() - 1]);
            if (b[1], b[0]) < (a[1], a[0]) {
                s.reverse();
            }
        }
        out.push(s);
    }
    drop_small_groups(&mut out, params.min_length);
    out.sort_by(|a, b| {
        let ka = top_left(a);
        let kb = top_left(b);
        ka.1.total_cmp(&kb.1).then(ka.0.total_cmp(&kb.0))
    });
    out
}

fn top_left(s: &[[f32; 2]]) -> (f32, f32) {
    s.iter().fold((f32::INFINITY, f32::INFINITY), |acc, p| {
        if (p[1], p[0]) < (acc.1, acc.0) {
            (p[0], p[1])
        } else {
            acc
        }
    })
}

/// One 1-2-1 pass; open lines keep their ends, closed ones wrap around.
fn smooth(line: &mut [[f32; 2]], closed: bool) {
    let n = line.len();
    if n < 3 {
        return;
    }
    let src = line.to_vec();
    let body = if closed { n - 1 } else { n };
    for k in 0..body {
        let (prev, next) = if closed {
            (src[(k + body - 1) % body], src[(k + 1) % body])
        } else if k == 0 || k == n - 1 {
            continue;
        } else {
            (src[k - 1], src[k + 1])
        };
        for c in 0..2 {
            line[k][c] = 0.25 * prev[c] + 0.5 * src[k][c] + 0.25 * next[c];
        }
    }
    if closed {
        line[n - 1] = line[0];
    }
}

/// Douglas–Peucker simplification (iterative, keeps both ends).
fn simplify(line: &[[f32; 2]], eps: f32) -> Vec<[f32; 2]> {
    let n = line.len();
    if n < 3 || eps <= 0.0 {
        return line.to_vec();
    }
    let mut keep = vec![false; n];
    keep[0] = true;
    keep[n - 1] = true;
    let mut stack = vec![(0usize, n - 1)];
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let (pa, pb) = (line[a], line[b]);
        let (dx, dy) = (pb[0] - pa[0], pb[1] - pa[1]);
        let len = libm::hypotf(dx, dy);
        let mut best = (0.0f32, a);
        for (k, p) in line.iter().enumerate().take(b).skip(a + 1) {
            let d = if len > 1e-6 {
                ((p[0] - pa[0]) * dy - (p[1] - pa[1]) * dx).abs() / len
            } else {
                libm::hypotf(p[0] - pa[0], p[1] - pa[1])
            };
            if d > best.0 {
                best = (d, k);
            }
        }
        if best.0 > eps {
            keep[best.1] = true;
            stack.push((a, best.1));
            stack.push((best.1, b));
        }
    }
    line.iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(*p))
        .collect()
}

/// Drops groups of touching strokes whose total length is below `min_length`.
fn drop_small_groups(strokes: &mut Vec<Stroke>, min_length: f32) {
    let n = strokes.len();
    let mut group: Vec<usize> = (0..n).collect();
    fn find(g: &mut [usize], mut k: usize) -> usize {
        while g[k] != k {
            g[k] = g[g[k]];
            k = g[k];
        }
        k
    }
    let touches = |a: &Stroke, b: &Stroke| {
        let ends = |s: &Stroke| [s[0], s[s.len() - 1]];
        ends(a).iter().any(|p| {
            b.iter()
                .any(|q| (p[0] - q[0]).abs() < 1e-3 && (p[1] - q[1]).abs() < 1e-3)
        }) || ends(b).iter().any(|p| {
            a.iter()
                .any(|q| (p[0] - q[0]).abs() < 1e-3 && (p[1] - q[1]).abs() < 1e-3)
        })
    };
    for i in 0..n {
        for j in i + 1..n {
            if touches(&strokes[i], &strokes[j]) {
                let (ri, rj) = (find(&mut group, i), find(&mut group, j));
                group[ri] = rj;
            }
        }
    }
    let mut total = vec![0.0f32; n];
    for (i, s) in strokes.iter().enumerate() {
        let r = find(&mut group, i);
        total[r] += length(s);
    }
    let keep: Vec<bool> = (0..n)
        .map(|i| total[find(&mut group, i)] >= min_length)
        .collect();
    let mut k = keep.into_iter();
    strokes.retain(|_| k.next().unwrap_or(false));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws thick shapes into a raster: `f(x, y)` = ink.
    fn raster(w: usize, h: usize, f: impl Fn(f32, f32) -> bool) -> Vec<f32> {
        let mut v = vec![0.0; w * h];
        for r in 0..h {
            for c in 0..w {
                if f(c as f32 + 0.5, r as f32 + 0.5) {
                    v[r * w + c] = 1.0;
                }
            }
        }
        v
    }

    fn seg_dist(p: [f32; 2], a: [f32; 2], b: [f32; 2]) -> f32 {
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let l2 = dx * dx + dy * dy;
        let t = (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2).clamp(0.0, 1.0);
        libm::hypotf(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)
    }

    fn total_len(s: &[Stroke]) -> f32 {
        s.iter().map(|x| length(x)).sum()
    }

    fn strokes(px: &[f32], w: usize, h: usize) -> Vec<Stroke> {
        strokes_from_raster(px, w, h, &SkeletonParams::default()).unwrap()
    }

    #[test]
    fn horizontal_bar_is_one_straight_stroke() {
        let px = raster(40, 20, |x, y| {
            (5.0..35.0).contains(&x) && (8.0..11.0).contains(&y)
        });
        let s = strokes(&px, 40, 20);
        assert_eq!(s.len(), 1, "{s:?}");
        for p in &s[0] {
            assert!((p[1] - 9.5).abs() < 0.8, "{p:?} off the bar's axis");
        }
        let l = total_len(&s);
        assert!((24.0..=31.0).contains(&l), "length {l}");
        // simplified to a handful of points
        assert!(s[0].len() <= 4, "{:?}", s[0]);
    }

    #[test]
    fn thick_diagonal_is_one_stroke_along_the_diagonal() {
        let a = [4.0, 4.0];
        let b = [26.0, 22.0];
        let px = raster(30, 26, |x, y| seg_dist([x, y], a, b) < 1.3);
        let s = strokes(&px, 30, 26);
        assert_eq!(s.len(), 1, "{s:?}");
        for p in &s[0] {
            assert!(seg_dist(*p, a, b) < 0.9, "{p:?}");
        }
        assert!(total_len(&s) > 22.0);
    }

    #[test]
    fn l_shape_is_one_stroke_with_a_corner() {
        let px = raster(30, 30, |x, y| {
            ((5.0..8.0).contains(&x) && (4.0..25.0).contains(&y))
                || ((5.0..25.0).contains(&x) && (22.0..25.0).contains(&y))
        });
        let s = strokes(&px, 30, 30);
        assert_eq!(s.len(), 1, "{s:?}");
        let line = &s[0];
        // starts at the top of the vertical bar, ends at the right of the foot
        assert!(
            line[0][1] < 8.0 && (line[0][0] - 6.5).abs() < 1.0,
            "{line:?}"
        );
        let end = line[line.len() - 1];
        assert!(end[0] > 20.0 && (end[1] - 23.5).abs() < 1.0, "{line:?}");
        // passes near the corner
        assert!(line.iter().any(|p| (p[0] - 6.5).hypot(p[1] - 23.5) < 2.0));
    }

    #[test]
    fn ring_is_one_closed_stroke() {
        let px = raster(40, 40, |x, y| {
            let r = (x - 20.0).hypot(y - 20.0);
            (10.0..13.0).contains(&r)
        });
        let s = strokes(&px, 40, 40);
        assert_eq!(s.len(), 1, "{s:?}");
        let line = &s[0];
        assert_eq!(line.first(), line.last(), "closed");
        for p in line {
            let r = (p[0] - 20.0).hypot(p[1] - 20.0);
            assert!((10.0..13.0).contains(&r), "{p:?} r={r}");
        }
        let l = total_len(&s);
        assert!((60.0..80.0).contains(&l), "perimeter {l}");
    }

    #[test]
    fn t_junction_gives_a_bar_and_a_stem() {
        let px = raster(40, 40, |x, y| {
            ((5.0..35.0).contains(&x) && (5.0..8.0).contains(&y))
                || ((18.5..21.5).contains(&x) && (5.0..35.0).contains(&y))
        });
        let s = strokes(&px, 40, 40);
        assert_eq!(s.len(), 2, "{s:?}");
        // the straight pair is the bar: one stroke spans the width
        let bar = s
            .iter()
            .find(|l| l.iter().all(|p| (p[1] - 6.5).abs() < 1.5))
            .expect("a horizontal bar stroke");
        let xs: Vec<f32> = bar.iter().map(|p| p[0]).collect();
        let (lo, hi) = xs
            .iter()
            .fold((f32::MAX, f32::MIN), |a, &x| (a.0.min(x), a.1.max(x)));
        assert!(lo < 9.0 && hi > 31.0, "{bar:?}");
        let stem = s.iter().find(|l| !std::ptr::eq(*l, bar)).unwrap();
        assert!(stem.iter().all(|p| (p[0] - 20.0).abs() < 1.5), "{stem:?}");
        assert!(stem.iter().any(|p| p[1] > 30.0));
    }

    #[test]
    fn solid_bowl_with_a_tail_becomes_a_loop_and_a_tail() {
        // a "9" whose bowl filled in: a solid disc plus a stem
        let px = raster(40, 50, |x, y| {
            (x - 18.0).hypot(y - 14.0) < 7.0
                || ((22.0..25.0).contains(&x) && (14.0..44.0).contains(&y))
        });
        let s = strokes(&px, 40, 50);
        let closed_loop = s.iter().flat_map(|l| l.windows(2)).any(|w| {
            let m = [(w[0][0] + w[1][0]) / 2.0, (w[0][1] + w[1][1]) / 2.0];
            (m[0] - 18.0).hypot(m[1] - 14.0) < 6.0 && m[0] < 15.0
        });
        assert!(closed_loop, "the bowl's left side is drawn: {s:?}");
        assert!(s.iter().flatten().any(|p| p[1] > 40.0), "the tail is drawn");
        // without carving the solid disc thins to (almost) nothing on its left
        let p = SkeletonParams {
            carve_depth: 0.0,
            ..SkeletonParams::default()
        };
        let plain = strokes_from_raster(&px, 40, 50, &p).unwrap();
        assert!(!plain.iter().flatten().any(|p| p[0] < 13.0), "{plain:?}");
    }

    #[test]
    fn cross_gives_two_straight_strokes() {
        let px = raster(40, 40, |x, y| {
            ((5.0..35.0).contains(&x) && (18.5..21.5).contains(&y))
                || ((18.5..21.5).contains(&x) && (5.0..35.0).contains(&y))
        });
        let s = strokes(&px, 40, 40);
        assert_eq!(s.len(), 2, "{s:?}");
        for l in &s {
            let (a, b) = (l[0], l[l.len() - 1]);
            assert!(
                (a[0] - b[0]).hypot(a[1] - b[1]) > 24.0,
                "{l:?} is not a straight crossing"
            );
        }
    }

    #[test]
    fn spurs_and_specks_are_dropped() {
        // a bar with a 1-pixel bump on its edge, and a lone speck
        let mut px = raster(40, 20, |x, y| {
            (5.0..35.0).contains(&x) && (8.0..11.0).contains(&y)
        });
        px[7 * 40 + 20] = 1.0;
        px[16 * 40 + 3] = 1.0;
        let s = strokes(&px, 40, 20);
        assert_eq!(s.len(), 1, "{s:?}");
    }

    #[test]
    fn empty_full_and_bad_inputs() {
        assert!(strokes(&[0.0; 28 * 28], 28, 28).is_empty());
        // a solid block thins to something small but never panics
        let _ = strokes(&[1.0; 28 * 28], 28, 28);
        let _ = strokes(&[1.0], 1, 1);
        let p = SkeletonParams::default();
        assert_eq!(
            strokes_from_raster(&[0.0; 10], 4, 3, &p),
            Err(SkeletonError::LengthMismatch {
                expected: 12,
                actual: 10
            })
        );
        assert_eq!(
            strokes_from_raster(&[], 0, 3, &p),
            Err(SkeletonError::BadSize {
                width: 0,
                height: 3
            })
        );
        assert_eq!(
            strokes_from_raster(&[f32::NAN; 4], 2, 2, &p),
            Err(SkeletonError::NonFinite)
        );
        let bad = SkeletonParams {
            threshold: f32::NAN,
            ..p
        };
        assert_eq!(
            strokes_from_u8(&[0; 4], 2, 2, &bad),
            Err(SkeletonError::NonFinite)
        );
    }

    #[test]
    fn random_noise_never_panics_and_stays_in_the_image() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200 {
            let mut px = [0u8; 28 * 28];
            for v in px.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *v = if state.is_multiple_of(3) { 255 } else { 0 };
            }
            let s = strokes_from_u8(&px, 28, 28, &SkeletonParams::default()).unwrap();
            for p in s.iter().flatten() {
                assert!((0.0..=28.0).contains(&p[0]) && (0.0..=28.0).contains(&p[1]));
            }
            assert!(s.iter().all(|l| !l.is_empty()));
        }
    }
}
