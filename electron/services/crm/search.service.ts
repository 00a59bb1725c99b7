import type { EntityKind } from '../../../shared/domain/crm.schemas';
import type { FtsHit, SearchRepository, TriHit } from './search.repository';
import {
  buildMatchQuery,
  emailFragmentQuery,
  highlightDigits,
  highlightSubstring,
  markedToSegments,
  matchTerms,
  phoneDigitRuns,
  phoneDigitsQuery,
  quoteFts,
  snippetTerms,
  displayText,
  type Segment,
} from './search.text';

export interface SearchHit {
  readonly entity: EntityKind;
  readonly id: string;
  readonly title: Segment[];
  readonly snippet: Segment[];
  readonly score: number;
}

/**
 * How many of the newest matches are ranked (bm25) for the best hits: names are short, so ranking
 * 1000 costs about a millisecond; text (notes up to pages long, snippets) ranks fewer. A query with
 * fewer matches is ranked in full, and every query costs at most this much however common its words.
 */
export const NAME_CANDIDATES = 1000;
export const TEXT_CANDIDATES = 300;

/**
 * One search box over every record. Words are matched as prefixes, CJK text by character, phone numbers
 * by any digit run, e-mail addresses by fragment. Name hits (title column) are ranked above body hits;
 * phone and e-mail hits come first when the query looks like one.
 */
export function runSearch(
  repo: SearchRepository,
  q: string,
  limit: number,
  entities: readonly EntityKind[] | null,
): SearchHit[] {
  const hits = new Map<string, SearchHit>();
  const want = (e: EntityKind) => !entities || entities.includes(e);
  const add = (h: SearchHit) => {
    const prev = hits.get(h.id);
    if (want(h.entity) && (!prev || prev.score < h.score)) hits.set(h.id, h);
  };

  const digits = phoneDigitsQuery(q);
  if (digits) {
    const runs = phoneDigitRuns(q, digits);
    for (const t of repo.queryTrigram(`digits : (${runs.map(quoteFts).join(' OR ')})`, limit)) {
      add({ ...triBase(t), snippet: phoneSnippet(t, runs), score: 1000 });
    }
  }
  const match = buildMatchQuery(q);
  if (match) {
    const titleHits = repo.queryNames(match, NAME_CANDIDATES, limit);
    const allHits = titleHits.length >= limit ? [] : repo.queryText(match, TEXT_CANDIDATES, limit);
    for (const [list, boost] of [
      [titleHits, 100],
      [allHits, 0],
    ] as const) {
      for (const h of list) {
        add({
          entity: h.entity,
          id: h.recordId,
          title: markedToSegments(h.title),
          snippet: textSnippet(repo, h, match),
          // bm25 is negative, smaller is better: flip it so that higher is better.
          score: boost - h.score,
        });
      }
    }
  }
  // E-mail fragments after the word search: only when the query looks like one or hits are few.
  const fragment = emailFragmentQuery(q);
  if (fragment && (fragment.includes('@') || fragment.includes('.') || hits.size < limit)) {
    for (const t of repo.queryTrigram(`emails : ${quoteFts(fragment)}`, limit)) {
      const email = t.emails.split(' ').find((e) => e.includes(fragment)) ?? t.emails;
      add({ ...triBase(t), snippet: highlightSubstring(email, fragment), score: 900 });
    }
  }
  return [...hits.values()].sort((a, b) => b.score - a.score).slice(0, limit);
}

function triBase(t: TriHit): { entity: EntityKind; id: string; title: Segment[] } {
  const title = displayText(t.title);
  return { entity: t.entity, id: t.recordId, title: title ? [{ text: title, match: false }] : [] };
}

function phoneSnippet(t: TriHit, runs: readonly string[]): Segment[] {
  for (const phone of t.digits.split(' ')) {
    const run = runs.find((r) => phone.includes(r));
    if (run) return highlightDigits(phone, run);
  }
  return highlightDigits(t.digits, runs[0]!);
}

/**
 * A text hit's snippet. When FTS5 matched only an alias (weiss for Weiß), nothing shown is marked
 * and the snippet may be cut from the aliases, so it is made again from the shown text.
 */
function textSnippet(repo: SearchRepository, h: FtsHit, match: string): Segment[] {
  if (!h.snippet) return [];
  const segments = markedToSegments(h.snippet);
  if (segments.some((s) => s.match)) return segments;
  return markedToSegments(snippetTerms(repo.storedBody(h.rowid), matchTerms(match)));
}
