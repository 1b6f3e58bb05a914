/** Shorter than this, an online guesser with the login throttle still gets too close for comfort. */
export const MIN_ADMIN_PASSWORD_LENGTH = 16;

/** Markers of a value copied from a template or a tutorial instead of generated. */
const PLACEHOLDER_MARKERS = [
  'replaceme',
  'changeme',
  'changeit',
  'placeholder',
  'yourpassword',
  'examplepassword',
];

/** Words that make up the passwords guessed first; a value built only from them is refused. */
const COMMON_WORDS = [
  'password',
  'admin',
  'administrator',
  'secret',
  'letmein',
  'qwerty',
  'welcome',
  'default',
  'clerksync',
  'bullboard',
  'root',
  'test',
];

/**
 * Why `ADMIN_PASSWORD` must not be used, or `undefined` when it may. The admin listener can read
 * every dead letter (with personal data) and move jobs, so a template value such as `REPLACE_ME`, a
 * dictionary word or a short string is refused at start rather than discovered by a scanner. The
 * message never repeats the value.
 *
 * @example
 * adminPasswordProblem('REPLACE_ME') // → 'looks like a template placeholder, …'
 * adminPasswordProblem(randomBytes(24).toString('base64url')) // → undefined
 */
export function adminPasswordProblem(password: string): string | undefined {
  const hint = `generate one with \`openssl rand -base64 24\``;
  const letters = password.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (PLACEHOLDER_MARKERS.some((marker) => letters.includes(marker))) {
    return `looks like a template placeholder, not a generated secret; ${hint}`;
  }
  // Letters only, read plainly and read as leetspeak (P@ssw0rd → password).
  const readings = [
    letters.replace(/\d/g, ''),
    password
      .toLowerCase()
      .replace(/@/g, 'a')
      .replace(/\$/g, 's')
      .replace(/0/g, 'o')
      .replace(/3/g, 'e')
      .replace(/[^a-z]/g, ''),
  ];
  if (readings.some((words) => COMMON_WORDS.some((w) => isRepetitionOf(words, w)))) {
    return `is a common password; ${hint}`;
  }
  if (password.length < MIN_ADMIN_PASSWORD_LENGTH) {
    return `must be at least ${MIN_ADMIN_PASSWORD_LENGTH} characters; ${hint}`;
  }
  if (new Set(password).size < 8) {
    return `has fewer than 8 distinct characters; ${hint}`;
  }
  return undefined;
}

function isRepetitionOf(text: string, word: string): boolean {
  return (
    text.length > 0 && text.length % word.length === 0 && word.repeat(text.length / word.length) === text
  );
}
