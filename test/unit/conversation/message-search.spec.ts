import { decodeSearchCursor, encodeSearchCursor, searchText, type SearchPosition } from '../../../src/conversation/domain/message-search.js';

const position: SearchPosition = { rank: '0.18640049', createdAt: '2026-11-24T10:00:00.123456Z', id: '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d' };
const raw = (text: string) => Buffer.from(text).toString('base64url');

describe('message search', () => {
  it('round-trips a position through an opaque base64url cursor, keeping the exact rank and microseconds', () => {
    const cursor = encodeSearchCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeSearchCursor(cursor)).toEqual(position);
    expect(decodeSearchCursor(encodeSearchCursor({ ...position, rank: '1e-05' }))).toEqual({ ...position, rank: '1e-05' });
  });

  it.each([
    ['not base64 at all', '%%%'],
    ['too few parts', raw('0.1|2026-11-24T10:00:00.123456Z')],
    ['too many parts', raw(`0.1|2026-11-24T10:00:00.123456Z|${position.id}|x`)],
    ['a rank that is no number', raw(`abc|2026-11-24T10:00:00.123456Z|${position.id}`)],
    ['a negative rank', raw(`-1|2026-11-24T10:00:00.123456Z|${position.id}`)],
    ['a timestamp without microseconds', raw(`0.1|2026-11-24T10:00:00.123Z|${position.id}`)],
    ['an impossible date', raw(`0.1|2026-13-45T10:00:00.123456Z|${position.id}`)],
    ['an id that is no UUID', raw('0.1|2026-11-24T10:00:00.123456Z|42')],
    ['an SQL fragment', raw(`0.1); DROP TABLE messages; --|2026-11-24T10:00:00.123456Z|${position.id}`)],
  ])('refuses a cursor with %s', (_, cursor) => {
    expect(() => decodeSearchCursor(cursor)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', message: 'cursor is malformed' }));
  });

  it('takes 1–200 characters of search text, trimmed, and refuses blanks', () => {
    expect(searchText('  capital of Italy ')).toBe('capital of Italy');
    expect(searchText('x'.repeat(200))).toHaveLength(200);
    for (const bad of [undefined, '', '   \t ', 'x'.repeat(201)]) {
      expect(() => searchText(bad)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
    }
  });
});
