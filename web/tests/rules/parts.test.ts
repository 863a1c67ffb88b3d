/**
 * The small parts, on the same cases as their Rust originals' unit tests (crates/forms
 * `depth`, `messages`, `pointer`, `unique`).
 */

import { describe, expect, it } from 'vitest';

import { MAX_DEPTH, tooDeep } from '../../src/rules/depth';
import { fieldName, levelsGenitive, plural, quote } from '../../src/rules/messages';
import { escape, segments } from '../../src/rules/pointer';
import type { Json } from '../../src/rules/logic';
import { CHECKS, type Rule } from '../../src/rules/rules';

describe('depth', () => {
  it('passes places within the limit and names the first too deep', () => {
    const value = { a: [1, { 'b~/': 'x' }], c: true };
    expect(tooDeep(value, 0, 4)).toBeUndefined();
    expect(tooDeep(value, 0, 3)).toBe('/a/1/b~0~1');
    expect(tooDeep(value, 0, 2)).toBe('/a/1');
    expect(tooDeep(value, 3, 4)).toBe('/a');
    expect(tooDeep(value, 4, 4)).toBe('');
    expect(tooDeep(1, 9, 4)).toBeUndefined();
  });

  it('refuses a value twenty thousand levels deep without recursing', () => {
    let value: unknown = 'leaf';
    for (let i = 0; i < 20_000; i++) value = { a: value };
    expect(tooDeep(value as never, 0, MAX_DEPTH)).toBe('/a'.repeat(MAX_DEPTH));
  });
});

describe('messages', () => {
  it('name fields by titles with rows and items', () => {
    expect(fieldName([{ field: 'План повышения квалификации' }, { row: 3 }, { field: 'Объём, часов' }])).toBe(
      'План повышения квалификации → строка 3 → Объём, часов',
    );
    expect(fieldName([{ field: 'Темы' }, { item: 2 }])).toBe('Темы → пункт 2');
    expect(fieldName([])).toBe('Документ');
  });

  it('follow Russian plurals', () => {
    expect(plural(1, 'строки', 'строк', 'строк')).toBe('строки');
    expect(plural(3, 'a', 'b', 'c')).toBe('b');
    expect(plural(11, 'a', 'b', 'c')).toBe('c');
    expect(plural(22, 'a', 'b', 'c')).toBe('b');
    expect(plural(10, 'a', 'b', 'c')).toBe('c');
    expect(levelsGenitive(32)).toBe('уровней');
    expect(levelsGenitive(21)).toBe('уровня');
  });

  it('quote values cut to 60 characters, not UTF-16 units', () => {
    expect(quote('😀'.repeat(61))).toBe(`«${'😀'.repeat(60)}…»`);
    expect(quote({ a: [1, 'б'] })).toBe('«{"a":[1,"б"]}»');
  });
});

describe('pointers', () => {
  it('unescape tilde and slash', () => {
    expect(segments('')).toEqual([]);
    expect(segments('/a~1b/c~0d/0')).toEqual(['a/b', 'c~d', '0']);
    expect(escape('a/b~')).toBe('a~1b~0');
  });
});

describe('unique', () => {
  it('reports every later occurrence, never an empty value, and compares text with numbers', () => {
    const rule = { pointer: '/n', pointerSegments: ['n'] } as Rule;
    const rows: Json[] = [{ n: '1.1' }, { n: null }, { n: '1.2' }, { n: '1.1' }, { n: '\u00a0' }, {}, { n: '1.1' }, { n: 5 }, { n: '5' }];
    const out: string[] = [];
    CHECKS.unique.checkArrays!(rule, [['/rows', rows]], out);
    expect(out).toEqual(['/rows/3/n', '/rows/6/n', '/rows/8/n']);
  });
});
