/**
 * PostgreSQL storage URLs: recognizing them, printing them without their password, and keeping
 * the password (from the URL or PGPASSWORD) out of every message that leaves this process.
 */

/** `postgres://…` or `postgresql://…`. */
export const POSTGRES_URL = /^postgres(ql)?:\/\//i;

export function isPostgresUrl(url: string): boolean {
  return POSTGRES_URL.test(url);
}

/** The URL with its password replaced by `***` (a URL that does not parse is returned masked whole). */
export function redactUrl(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i.exec(url);
  if (match === null) return url;
  const userinfo = match[2]!;
  const colon = userinfo.indexOf(':');
  if (colon === -1) return url;
  return `${match[1]}${userinfo.slice(0, colon)}:***@${url.slice(match[0].length)}`;
}

/** The password a URL carries (decoded), or null. */
export function urlPassword(url: string): string | null {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^@/?#]*)@/i.exec(url);
  const userinfo = match?.[1];
  if (userinfo === undefined) return null;
  const colon = userinfo.indexOf(':');
  if (colon === -1 || colon === userinfo.length - 1) return null;
  const raw = userinfo.slice(colon + 1);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * A function that removes every secret of a connection from a text: the password as written in
 * the URL and decoded, the PGPASSWORD variable, and the whole URL.
 */
export function redactor(url: string, env: NodeJS.ProcessEnv = process.env): (text: string) => string {
  const secrets = new Set<string>();
  const fromUrl = urlPassword(url);
  if (fromUrl !== null) {
    secrets.add(fromUrl);
    secrets.add(encodeURIComponent(fromUrl));
  }
  const fromEnv = env.PGPASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') secrets.add(fromEnv);
  const safeUrl = redactUrl(url);
  // Longest first, so that a secret containing another is replaced whole.
  const ordered = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text.split(url).join(safeUrl);
    for (const secret of ordered) out = out.split(secret).join('***');
    return out;
  };
}
