/**
 * Pan and zoom for the diagram: a transform on the drawing inside a clipping viewport. Wheel zooms
 * around the pointer, dragging pans, the keyboard does both when the viewport has focus.
 */
export interface ViewTransform {
  scale: number;
  x: number;
  y: number;
}

const MIN = 0.05;
const MAX = 6;
/** Room left around a fitted drawing, in px. */
const FIT_MARGIN = 4;

export class PanZoom {
  t: ViewTransform = { scale: 1, x: 0, y: 0 };
  private drag?: { id: number; x: number; y: number; moved: boolean };
  /** Set when the last pointer gesture moved the view (so the click that ends it is not a node click). */
  justDragged = false;

  constructor(
    readonly viewport: HTMLElement,
    readonly content: HTMLElement,
    private readonly onChange: (t: ViewTransform) => void,
  ) {
    viewport.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    viewport.addEventListener('pointerdown', (e) => this.onDown(e));
    viewport.addEventListener('pointermove', (e) => this.onMove(e));
    viewport.addEventListener('pointerup', (e) => this.onUp(e));
    viewport.addEventListener('pointercancel', (e) => this.onUp(e));
    viewport.addEventListener('keydown', (e) => this.onKey(e));
  }

  set(t: ViewTransform, notify = true): void {
    const scale = Math.min(MAX, Math.max(MIN, t.scale));
    this.t = { scale, x: Math.round(t.x * 100) / 100, y: Math.round(t.y * 100) / 100 };
    this.content.style.transform = `translate(${this.t.x}px, ${this.t.y}px) scale(${this.t.scale})`;
    if (notify) this.onChange(this.t);
  }

  /** Zooms by `factor` keeping the point (px, py) of the viewport still. */
  zoomAt(factor: number, px: number, py: number): void {
    const s = Math.min(MAX, Math.max(MIN, this.t.scale * factor));
    const k = s / this.t.scale;
    this.set({ scale: s, x: px - (px - this.t.x) * k, y: py - (py - this.t.y) * k });
  }

  zoom(factor: number): void {
    this.zoomAt(factor, this.viewport.clientWidth / 2, this.viewport.clientHeight / 2);
  }

  /**
   * Fits a drawing of size (w, h) in the viewport, centred, as large as it fits: it touches the
   * viewport (less a small margin) on one axis and fits on the other.
   */
  fit(w: number, h: number): void {
    const vw = this.viewport.clientWidth;
    const vh = this.viewport.clientHeight;
    if (!w || !h || !vw || !vh) return;
    const m = FIT_MARGIN;
    const scale = Math.min((vw - 2 * m) / w, (vh - 2 * m) / h);
    const s = Math.min(MAX, Math.max(MIN, scale));
    this.set({ scale: s, x: (vw - w * s) / 2, y: (vh - h * s) / 2 });
  }

  /**
   * Where a new drawing starts: fitted and centred, but never enlarged past 1:1, and a long graph is
   * not shrunk below a readable 75% just to fit its height (it starts at the top instead).
   */
  place(w: number, h: number): void {
    const vw = this.viewport.clientWidth;
    const vh = this.viewport.clientHeight;
    if (!w || !h || !vw || !vh) return;
    const scale = Math.min(1, (vw - 32) / w, Math.max((vh - 32) / h, 0.75));
    this.set({ scale, x: (vw - w * scale) / 2, y: Math.max(16, (vh - h * scale) / 2) });
  }

  /** Pans just enough to bring a rectangle (in drawing coordinates) into view. */
  ensureVisible(r: { x: number; y: number; width: number; height: number }): void {
    const vw = this.viewport.clientWidth;
    const vh = this.viewport.clientHeight;
    const s = this.t.scale;
    const left = r.x * s + this.t.x;
    const top = r.y * s + this.t.y;
    const right = left + r.width * s;
    const bottom = top + r.height * s;
    let dx = 0;
    let dy = 0;
    const m = 24;
    if (left < m) dx = m - left;
    else if (right > vw - m) dx = Math.max(vw - m - right, m - left);
    if (top < m) dy = m - top;
    else if (bottom > vh - m) dy = Math.max(vh - m - bottom, m - top);
    if (dx || dy) this.set({ scale: s, x: this.t.x + dx, y: this.t.y + dy });
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const rect = this.viewport.getBoundingClientRect();
    const factor = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
    this.zoomAt(factor, e.clientX - rect.left, e.clientY - rect.top);
  }

  private onDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    this.drag = { id: e.pointerId, x: e.clientX, y: e.clientY, moved: false };
    this.justDragged = false;
  }

  private onMove(e: PointerEvent): void {
    const d = this.drag;
    if (!d || d.id !== e.pointerId) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!d.moved && Math.hypot(dx, dy) < 4) return;
    if (!d.moved) {
      d.moved = true;
      this.viewport.setPointerCapture(e.pointerId);
      this.viewport.classList.add('panning');
    }
    d.x = e.clientX;
    d.y = e.clientY;
    this.set({ ...this.t, x: this.t.x + dx, y: this.t.y + dy });
  }

  private onUp(e: PointerEvent): void {
    const d = this.drag;
    if (!d || d.id !== e.pointerId) return;
    this.justDragged = d.moved;
    this.drag = undefined;
    this.viewport.classList.remove('panning');
    if (this.viewport.hasPointerCapture(e.pointerId)) this.viewport.releasePointerCapture(e.pointerId);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.target !== this.viewport) return; // keys on a node belong to the node
    const step = e.shiftKey ? 120 : 40;
    const moves: Record<string, [number, number]> = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[e.key]) {
      const [dx, dy] = moves[e.key];
      this.set({ ...this.t, x: this.t.x + dx, y: this.t.y + dy });
    } else if (e.key === '+' || e.key === '=') this.zoom(1.2);
    else if (e.key === '-' || e.key === '_') this.zoom(1 / 1.2);
    else return;
    e.preventDefault();
  }
}
