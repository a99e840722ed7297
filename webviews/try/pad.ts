/**
 * The drawing pad of image models: a canvas to draw on with a mouse, pen or finger (white ink on
 * black, like MNIST), a picture dropped on it or picked with the button, and a preview of exactly
 * what the model gets at its input size. Drawings of digit models are centred and scaled the way
 * MNIST digits are (./digits.ts); pictures are scaled to the input size as they are.
 */
import type { TryForm, TryInput } from '../../src/core/protocol/tryPanel';
import { el } from '../shared/dom';
import { digitPixels, inkOf } from './digits';

/** The canvas's side in pixels (CSS and backing store alike: the tests draw in these units). */
export const PAD_SIZE = 280;
/** The pen's width: about an MNIST stroke for a digit drawn across most of the pad. */
const PEN = 20;

type ImageForm = Extract<TryForm, { kind: 'image' }>;

export class DrawingPad {
  readonly element: HTMLElement;
  private readonly canvas = el('canvas', { id: 'pad', width: String(PAD_SIZE), height: String(PAD_SIZE), tabindex: '0', role: 'img' });
  private readonly preview: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private last?: { x: number; y: number };
  /** What is on the pad: a drawing (normalised like MNIST for digit models) or a picture (scaled as it is). */
  private source: 'empty' | 'drawing' | 'picture' = 'empty';

  constructor(private readonly form: ImageForm, private readonly changed: (read: () => TryInput | undefined) => void, private readonly cleared: () => void) {
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: true })!;
    this.preview = el('canvas', { id: 'preview', width: String(form.width), height: String(form.height), 'aria-label': `What the model sees: ${form.width}×${form.height} pixels` });
    this.canvas.setAttribute('aria-label', 'Drawing area: draw with the mouse, a pen or a finger; drop a picture here; Delete clears it');
    const file = el('input', { id: 'picture-file', type: 'file', accept: 'image/*', class: 'sr-only', tabindex: '-1', 'aria-hidden': 'true' });
    const pick = el('button', { id: 'pick', type: 'button' }, 'Open picture…');
    const clear = el('button', { id: 'clear', type: 'button', class: 'secondary' }, 'Clear');
    pick.addEventListener('click', () => file.click());
    file.addEventListener('change', () => file.files?.[0] && void this.load(file.files[0]));
    clear.addEventListener('click', () => this.clear());
    this.element = el('div', { class: 'pad' },
      el('div', { class: 'surface' }, this.canvas),
      el('div', { class: 'side' }, el('span', { class: 'muted' }, `Model input (${form.width}×${form.height})`), this.preview, el('div', { class: 'buttons' }, clear, pick, file)));
    this.wire();
    this.clear(false);
  }

  private wire(): void {
    const c = this.canvas;
    const at = (e: PointerEvent) => {
      const r = c.getBoundingClientRect();
      return { x: ((e.clientX - r.left) * PAD_SIZE) / r.width, y: ((e.clientY - r.top) * PAD_SIZE) / r.height };
    };
    c.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      c.setPointerCapture(e.pointerId);
      if (this.source === 'picture') this.clear(false);
      this.last = at(e);
      this.stroke(this.last, this.last);
    });
    c.addEventListener('pointermove', (e) => {
      if (!this.last) return;
      const p = at(e);
      this.stroke(this.last, p);
      this.last = p;
    });
    const end = () => (this.last = undefined);
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
    c.addEventListener('keydown', (e) => {
      if (e.key === 'Delete' || e.key === 'Backspace') {
        e.preventDefault();
        this.clear();
      }
    });
    c.addEventListener('dragover', (e) => {
      e.preventDefault();
      c.classList.add('dragging');
    });
    c.addEventListener('dragleave', () => c.classList.remove('dragging'));
    c.addEventListener('drop', (e) => {
      e.preventDefault();
      c.classList.remove('dragging');
      const f = e.dataTransfer?.files?.[0];
      if (f) void this.load(f);
    });
  }

  private stroke(a: { x: number; y: number }, b: { x: number; y: number }): void {
    const g = this.ctx;
    g.strokeStyle = '#ffffff';
    g.lineWidth = PEN;
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.beginPath();
    g.moveTo(a.x, a.y);
    g.lineTo(b.x === a.x && b.y === a.y ? b.x + 0.01 : b.x, b.y);
    g.stroke();
    this.source = 'drawing';
    this.changed(() => this.read());
  }

  /** A picture, fitted in the pad on black (aspect kept). */
  async load(file: Blob): Promise<void> {
    const bitmap = await createImageBitmap(file);
    this.clear(false);
    const s = Math.min(PAD_SIZE / bitmap.width, PAD_SIZE / bitmap.height);
    const w = bitmap.width * s, h = bitmap.height * s;
    this.ctx.drawImage(bitmap, (PAD_SIZE - w) / 2, (PAD_SIZE - h) / 2, w, h);
    bitmap.close();
    this.source = 'picture';
    this.changed(() => this.read());
  }

  clear(tell = true): void {
    this.ctx.fillStyle = '#000000';
    this.ctx.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
    this.preview.getContext('2d')!.clearRect(0, 0, this.form.width, this.form.height);
    this.source = 'empty';
    this.last = undefined;
    if (tell) this.cleared();
  }

  /** The model's input: digit drawings normalised like MNIST (grey), anything else scaled to the input size (RGBA). */
  read(): TryInput | undefined {
    const { width, height } = this.form;
    if (this.source === 'empty') return undefined;
    let input: TryInput;
    if (this.form.digits && this.source === 'drawing') {
      const ink = inkOf(this.ctx.getImageData(0, 0, PAD_SIZE, PAD_SIZE).data);
      input = { kind: 'pixels', width, height, channels: 1, data: digitPixels(ink, PAD_SIZE, PAD_SIZE, width, height) };
    } else {
      const small = el('canvas', { width: String(width), height: String(height) }).getContext('2d', { willReadFrequently: true })!;
      small.imageSmoothingQuality = 'high';
      small.drawImage(this.canvas, 0, 0, width, height);
      input = { kind: 'pixels', width, height, channels: 4, data: Array.from(small.getImageData(0, 0, width, height).data) };
    }
    this.show(input);
    return input;
  }

  /** Paints the input on the preview canvas (CSS scales it up, pixelated). */
  private show(input: Extract<TryInput, { kind: 'pixels' }>): void {
    const g = this.preview.getContext('2d')!;
    const img = g.createImageData(input.width, input.height);
    for (let i = 0; i < input.width * input.height; i++) {
      for (let k = 0; k < 3; k++) img.data[i * 4 + k] = input.channels === 1 ? input.data[i] : input.data[i * 4 + k];
      img.data[i * 4 + 3] = 255;
    }
    g.putImageData(img, 0, 0);
  }
}
