/** Small DOM helpers: every piece of text goes in as text, never as markup. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, string | undefined>, ...children: (Node | string)[]): HTMLElementTagNameMap[K];
export function el(tag: string, attrs?: Record<string, string | undefined>, ...children: (Node | string)[]): HTMLElement;
export function el(tag: string, attrs: Record<string, string | undefined> = {}, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** A file name without folders or characters file systems refuse. */
export function safeFileName(s: string): string {
  return s.replace(/[\\/:*?"<>|\x00-\x1f]+/g, '_').replace(/^\.+/, '').slice(0, 150) || 'export';
}

export function base64FromBytes(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Announces a short text to screen readers (an aria-live region). */
export function announce(text: string): void {
  let region = document.getElementById('modelyaml-live');
  if (!region) {
    region = el('div', { id: 'modelyaml-live', class: 'sr-only', 'aria-live': 'polite', role: 'status' });
    document.body.append(region);
  }
  region.textContent = text;
}
