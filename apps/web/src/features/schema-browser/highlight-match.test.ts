import { describe, expect, it } from 'vitest';
import { highlightMatches } from './highlight-match';

describe('highlightMatches', () => {
  it('marks every occurrence, whatever its case', () => {
    expect(highlightMatches('Order_orders', 'ORDER')).toEqual([
      { text: 'Order', match: true },
      { text: '_', match: false },
      { text: 'order', match: true },
      { text: 's', match: false },
    ]);
  });

  it('marks a whole name that is the query', () => {
    expect(highlightMatches('email', 'email')).toEqual([{ text: 'email', match: true }]);
  });

  it('leaves a name without the query unmarked', () => {
    expect(highlightMatches('customers', 'zzz')).toEqual([{ text: 'customers', match: false }]);
  });

  it('ignores the blanks around the query, as the search does', () => {
    expect(highlightMatches('shipped_at', '  ship ')).toEqual([
      { text: 'ship', match: true },
      { text: 'ped_at', match: false },
    ]);
  });

  it('marks unicode names', () => {
    expect(highlightMatches('Ventes_Été', 'été')).toEqual([
      { text: 'Ventes_', match: false },
      { text: 'Été', match: true },
    ]);
  });

  it('shows a name whose lower case changes length unmarked rather than misplaced', () => {
    expect(highlightMatches('İstanbul_sales', 'sales')).toEqual([{ text: 'İstanbul_sales', match: false }]);
  });

  it('does not overlap matches of a repeating query', () => {
    expect(highlightMatches('aaaa', 'aa')).toEqual([
      { text: 'aa', match: true },
      { text: 'aa', match: true },
    ]);
  });

  it('returns nothing for an empty name', () => {
    expect(highlightMatches('', 'a')).toEqual([]);
  });
});
