/**
 * Text from a file or a spec (a module name, a note) goes into the page as text, never as markup:
 * escaped in HTML, and `<`, `>`, `&`, U+2028 and U+2029 escaped as \uXXXX inside embedded JSON so
 * that no `</script>` or `<!--` can end the script element early.
 */
const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML[ch]!);
}

/** JSON for a `<script type="application/json">` element; JSON.parse of its text gives the value back. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
}
