/** Diagnostics: the core's findings as LSP diagnostics, with codes, exact ranges and related places. */
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver-types';
import type { Diagnostic as CoreDiagnostic, Severity } from '../../src/core/diagnostics';
import type { DocContext } from './document';
import type { ServiceEnv } from './types';

const severities: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** Codes of findings about code that has no effect: clients may fade it. */
const UNNECESSARY = new Set(['model/unused-layer']);

export function toLspDiagnostic(ctx: DocContext, d: CoreDiagnostic, env: ServiceEnv): Diagnostic {
  let message = d.message;
  const out: Diagnostic = {
    range: ctx.range(d.range),
    severity: severities[d.severity] ?? DiagnosticSeverity.Error,
    code: d.code,
    source: 'modelyaml',
    message,
  };
  if (d.related?.length) {
    if (env.client.relatedInformation) {
      out.relatedInformation = d.related.map((r) => ({ location: { uri: ctx.uri, range: ctx.range(r.range) }, message: r.message }));
    } else {
      message += d.related.map((r) => ` (line ${ctx.position(r.range.start).line + 1}: ${r.message})`).join('');
      out.message = message;
    }
  }
  if (UNNECESSARY.has(d.code)) out.tags = [DiagnosticTag.Unnecessary];
  if (d.fixes?.length) out.data = { fixes: d.fixes.length };
  return out;
}

export function doValidation(ctx: DocContext, env: ServiceEnv): Diagnostic[] {
  return ctx.analysis.diagnostics.map((d) => toLspDiagnostic(ctx, d, env));
}
