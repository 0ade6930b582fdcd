/**
 * Makes a string from a destination safe to send to the command API and store: well-formed UTF-16
 * (a lone surrogate becomes U+FFFD), no NUL or other control characters but tab and newline
 * (PostgreSQL refuses U+0000 in text and jsonb; the API answers 400 to such input), and at most
 * `max` characters, cut between code points, never inside a surrogate pair.
 *
 * @example
 * cleanText('a\u0000b😀c', 3) // 'ab': the NUL is dropped, the emoji (two UTF-16 units) does not fit whole
 */
export function cleanText(value: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const text = value.toWellFormed().replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--; // a high surrogate whose pair is beyond the cut
  return text.slice(0, end);
}
