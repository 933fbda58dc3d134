// Forge's Content Security Policy forbids inline styles and scripts. Preact turns a `style`
// prop into an inline style, so no component may use one; the HTML shell may not carry
// inline script either.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(process.cwd(), 'src');
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });

describe('CSP rules', () => {
  it('no component sets inline styles or raw HTML', () => {
    const offenders = sources(root).filter((file) => /\bstyle=\{|\.style\.|dangerouslySetInnerHTML|innerHTML\s*=/.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('index.html loads only external scripts', () => {
    const html = readFileSync(resolve(process.cwd(), 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc=/);
      expect(body?.trim()).toBe('');
    }
    expect(html).not.toMatch(/\sstyle=/);
  });
});
