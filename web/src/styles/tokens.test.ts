// Guards the theming rules: every colour/space/font in our CSS is an Atlassian design token
// that exists in @atlaskit/tokens, its fallback is the token's light-theme value, and no
// colour is hard-coded outside a token fallback.
import tokenNames from '@atlaskit/tokens/token-names';
import defaultValues from '@atlaskit/tokens/token-default-values';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// Read from disk: Vitest stubs CSS imports.
const css = readFileSync(resolve(process.cwd(), 'src/styles/app.css'), 'utf8');

const cssVarToToken = new Map(Object.entries(tokenNames as Record<string, string>).map(([name, cssVar]) => [cssVar, name]));
const defaults = defaultValues as Record<string, string>;

// var(--ds-name, fallback) where the fallback may itself contain parentheses one level deep.
const TOKEN_USE = /var\((--ds-[a-z0-9-]+)(?:,\s*((?:[^()]|\([^()]*\))*))?\)/g;

describe('app.css design tokens', () => {
  const uses = [...css.matchAll(TOKEN_USE)].map((m) => ({ cssVar: m[1] ?? '', fallback: m[2]?.trim() }));

  it('uses tokens at all', () => {
    expect(uses.length).toBeGreaterThan(50);
  });

  it('uses only tokens that exist, each with its light-theme value as fallback', () => {
    const problems: string[] = [];
    for (const { cssVar, fallback } of uses) {
      const token = cssVarToToken.get(cssVar);
      if (!token) problems.push(`${cssVar} is not a design token`);
      else if (fallback === undefined) problems.push(`${cssVar} has no fallback`);
      else if (fallback.toLowerCase() !== (defaults[token] ?? '').toLowerCase()) {
        problems.push(`${cssVar} falls back to ${fallback}, but the token's light value is ${defaults[token]}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('hard-codes no colour outside token fallbacks', () => {
    const withoutTokens = css.replace(TOKEN_USE, '').replace(/\/\*[\s\S]*?\*\//g, '');
    expect(withoutTokens.match(/#[0-9a-f]{3,8}\b|rgba?\(|hsla?\(/gi) ?? []).toEqual([]);
  });
});
