/**
 * The stand-in vscode's `WorkspaceEdit` and `workspace.applyEdit`, with VS Code's undo as it
 * behaves for them: each applied WorkspaceEdit is one step that Undo takes back whole.
 */
interface EditableDocument {
  uri: { toString(): string };
  getText(): string;
  offsetAt(p: { line: number; character: number }): number;
}

interface Replacement {
  uri: { toString(): string };
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  newText: string;
}

export class WorkspaceEdit {
  readonly replacements: Replacement[] = [];
  replace(uri: Replacement['uri'], range: Replacement['range'], newText: string): void {
    this.replacements.push({ uri, range, newText });
  }
  insert(uri: Replacement['uri'], at: Replacement['range']['start'], newText: string): void {
    this.replacements.push({ uri, range: { start: at, end: at }, newText });
  }
  get size(): number {
    return new Set(this.replacements.map((r) => r.uri.toString())).size;
  }
}

export interface FakeEdits {
  /** Every WorkspaceEdit applied, in order. */
  applied: WorkspaceEdit[];
  applyEdit(edit: WorkspaceEdit): Promise<boolean>;
  /** Edit › Undo: takes back the last applied WorkspaceEdit (false when there is none). */
  undo(): boolean;
}

export function fakeEdits<D extends EditableDocument>(docFor: (uri: Replacement['uri']) => D, setText: (doc: D, text: string) => void): FakeEdits {
  const applied: WorkspaceEdit[] = [];
  const undoSteps: { doc: D; before: string }[][] = [];
  return {
    applied,
    async applyEdit(edit) {
      const byDoc = new Map<D, Replacement[]>();
      for (const r of edit.replacements) {
        const doc = docFor(r.uri);
        byDoc.set(doc, [...(byDoc.get(doc) ?? []), r]);
      }
      const step: { doc: D; before: string }[] = [];
      for (const [doc, rs] of byDoc) {
        const before = doc.getText();
        let text = before;
        const spans = rs.map((r) => ({ start: doc.offsetAt(r.range.start), end: doc.offsetAt(r.range.end), newText: r.newText })).sort((a, b) => b.start - a.start);
        for (const s of spans) text = text.slice(0, s.start) + s.newText + text.slice(s.end);
        step.push({ doc, before });
        setText(doc, text);
      }
      applied.push(edit);
      undoSteps.push(step);
      return true;
    },
    undo() {
      const step = undoSteps.pop();
      if (!step) return false;
      for (const { doc, before } of step) setText(doc, before);
      return true;
    },
  };
}
