/**
 * Characters that look right but are not: look-alike letters, non-breaking
 * hyphens, typographic quotes, zero-width and other invisible characters.
 * One helper names each by its position and code point, for keys and for
 * every value that must be ASCII; another writes the ASCII the text most
 * likely meant, which a fix may then propose when it passes the key's rule.
 */

/** Names of the characters people paste by mistake; others are described by their Unicode category. */
const NAMES: Readonly<Record<number, string>> = {
  0x09: "CHARACTER TABULATION (a tab)",
  0x0a: "LINE FEED (a line break)",
  0x0d: "CARRIAGE RETURN",
  0x20: "SPACE",
  0xa0: "NO-BREAK SPACE",
  0xad: "SOFT HYPHEN",
  0x2010: "HYPHEN",
  0x2011: "NON-BREAKING HYPHEN",
  0x2012: "FIGURE DASH",
  0x2013: "EN DASH",
  0x2014: "EM DASH",
  0x2015: "HORIZONTAL BAR",
  0x2018: "LEFT SINGLE QUOTATION MARK",
  0x2019: "RIGHT SINGLE QUOTATION MARK",
  0x201c: "LEFT DOUBLE QUOTATION MARK",
  0x201d: "RIGHT DOUBLE QUOTATION MARK",
  0x2024: "ONE DOT LEADER",
  0x2026: "HORIZONTAL ELLIPSIS",
  0x2028: "LINE SEPARATOR",
  0x2029: "PARAGRAPH SEPARATOR",
  0x202f: "NARROW NO-BREAK SPACE",
  0x2044: "FRACTION SLASH",
  0x2060: "WORD JOINER",
  0x2212: "MINUS SIGN",
  0x2215: "DIVISION SLASH",
  0x200b: "ZERO WIDTH SPACE",
  0x200c: "ZERO WIDTH NON-JOINER",
  0x200d: "ZERO WIDTH JOINER",
  0x200e: "LEFT-TO-RIGHT MARK",
  0x200f: "RIGHT-TO-LEFT MARK",
  0x3000: "IDEOGRAPHIC SPACE",
  0x3002: "IDEOGRAPHIC FULL STOP",
  0xfeff: "ZERO WIDTH NO-BREAK SPACE (a byte order mark)",
  0xff0e: "FULLWIDTH FULL STOP",
  0xff1a: "FULLWIDTH COLON",
  0xff0f: "FULLWIDTH SOLIDUS",
  0x0430: "CYRILLIC SMALL LETTER A",
  0x0435: "CYRILLIC SMALL LETTER IE",
  0x043e: "CYRILLIC SMALL LETTER O",
  0x0440: "CYRILLIC SMALL LETTER ER",
  0x0441: "CYRILLIC SMALL LETTER ES",
  0x0443: "CYRILLIC SMALL LETTER U",
  0x0445: "CYRILLIC SMALL LETTER HA",
  0x0456: "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I",
  0x0455: "CYRILLIC SMALL LETTER DZE",
  0x0458: "CYRILLIC SMALL LETTER JE",
  0x0410: "CYRILLIC CAPITAL LETTER A",
  0x0415: "CYRILLIC CAPITAL LETTER IE",
  0x041e: "CYRILLIC CAPITAL LETTER O",
  0x0420: "CYRILLIC CAPITAL LETTER ER",
  0x0421: "CYRILLIC CAPITAL LETTER ES",
  0x0425: "CYRILLIC CAPITAL LETTER HA",
  0x03bf: "GREEK SMALL LETTER OMICRON",
  0x03b1: "GREEK SMALL LETTER ALPHA",
  0x03b9: "GREEK SMALL LETTER IOTA",
  0x039f: "GREEK CAPITAL LETTER OMICRON",
  0x0131: "LATIN SMALL LETTER DOTLESS I",
};

/** The ASCII a look-alike most likely stands for; invisible characters stand for nothing. */
const ASCII_FOR: Readonly<Record<number, string>> = {
  0x09: "",
  0x0a: "",
  0x0d: "",
  0xa0: "",
  0xad: "",
  0x2010: "-",
  0x2011: "-",
  0x2012: "-",
  0x2013: "-",
  0x2014: "-",
  0x2015: "-",
  0x2212: "-",
  0x2018: "'",
  0x2019: "'",
  0x201c: '"',
  0x201d: '"',
  0x2024: ".",
  0x3002: ".",
  0xff0e: ".",
  0xff1a: ":",
  0xff0f: "/",
  0x2044: "/",
  0x2215: "/",
  0x2028: "",
  0x2029: "",
  0x202f: "",
  0x2060: "",
  0x200b: "",
  0x200c: "",
  0x200d: "",
  0x200e: "",
  0x200f: "",
  0x3000: "",
  0xfeff: "",
  0x0430: "a",
  0x0435: "e",
  0x043e: "o",
  0x0440: "p",
  0x0441: "c",
  0x0443: "y",
  0x0445: "x",
  0x0456: "i",
  0x0455: "s",
  0x0458: "j",
  0x0410: "A",
  0x0415: "E",
  0x041e: "O",
  0x0420: "P",
  0x0421: "C",
  0x0425: "X",
  0x03bf: "o",
  0x03b1: "a",
  0x03b9: "i",
  0x039f: "O",
  0x0131: "i",
};

function hex(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** A character's name, or what kind of character it is when the table has no name for it. */
function nameOf(ch: string, cp: number): string {
  const named = NAMES[cp];
  if (named !== undefined) return named;
  if (/\p{Cc}/u.test(ch)) return "a control character";
  if (/\p{Cf}/u.test(ch)) return "an invisible formatting character";
  if (/\p{Zs}/u.test(ch)) return "a space character";
  if (/\p{Script=Cyrillic}/u.test(ch)) return "a Cyrillic letter";
  if (/\p{Script=Greek}/u.test(ch)) return "a Greek letter";
  if (/\p{L}/u.test(ch)) return "a non-ASCII letter";
  return "a non-ASCII character";
}

/** Whether a character is one a reader cannot see or tell from ASCII. */
function suspicious(cp: number, at: number, length: number): boolean {
  if (cp > 0x7e) return true;
  if (cp < 0x20 || cp === 0x7f) return true;
  // A space inside a value may be meant (PromQL, names); at either end it never is.
  return cp === 0x20 && (at === 0 || at === length - 1);
}

/**
 * Each suspicious character of `text`, e.g. `character 4 is U+2011 NON-BREAKING HYPHEN`
 * (positions count from 1, by code point); empty when the text is plain ASCII.
 * `allowNonAscii` keeps letters of other scripts (free text) and names only
 * invisible characters, typographic quotes and dashes.
 */
export function characterNotes(text: string, allowNonAscii = false): string[] {
  const chars = [...text];
  const notes: string[] = [];
  // In free text a letter of another script is a look-alike only beside Latin letters ("pіng"), not in its own words.
  const latin = /[A-Za-z]/.test(text);
  chars.forEach((ch, i) => {
    const cp = ch.codePointAt(0) ?? 0;
    if (!suspicious(cp, i, chars.length)) return;
    // Free text keeps other scripts, line breaks, tabs and spaces (a folded YAML block ends in a line break).
    if (allowNonAscii && (cp === 0x09 || cp === 0x0a || cp === 0x0d || cp === 0x20)) return;
    const lookAlikeLetter = ASCII_FOR[cp] !== undefined && /\p{L}/u.test(ch);
    if (allowNonAscii && lookAlikeLetter && !latin) return;
    if (allowNonAscii && cp > 0x7e && ASCII_FOR[cp] === undefined && !/[\p{Cf}\p{Zs}\p{Cc}]/u.test(ch)) {
      return;
    }
    notes.push(`character ${i + 1} is ${hex(cp)} ${nameOf(ch, cp)}`);
  });
  return notes;
}

/** The notes as one clause for a message, or undefined when there are none. */
export function describeCharacters(text: string, allowNonAscii = false): string | undefined {
  const notes = characterNotes(text, allowNonAscii);
  if (notes.length === 0) return undefined;
  const shown = notes.length > 5 ? [...notes.slice(0, 5), `${notes.length - 5} more`] : notes;
  return shown.join(", ");
}

/** The text with each look-alike replaced by its ASCII and each invisible character dropped, trimmed. */
export function asciiRepair(text: string): string {
  return [...text]
    .map((ch) => {
      const cp = ch.codePointAt(0) ?? 0;
      return ASCII_FOR[cp] ?? ch;
    })
    .join("")
    .trim();
}
