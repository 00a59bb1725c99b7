import { currencyDigits } from '../../../shared/locale/locale.parse';

/** One dated exchange rate: 1 unit of `currency` is worth `perUnit` units of the reporting currency. */
export interface ExchangeRate {
  readonly currency: string;
  /** The day from which the rate applies, YYYY-MM-DD. */
  readonly effectiveFrom: string;
  readonly perUnit: number;
}

/**
 * Converts integer minor units into the reporting currency's minor units with the rates in force on
 * a given day. A currency without a rate on that day (or at all) has no conversion: callers count
 * such amounts apart instead of adding unlike money.
 */
export class MoneyConverter {
  private readonly byCurrency = new Map<string, ExchangeRate[]>();

  constructor(
    readonly reporting: string,
    rates: readonly ExchangeRate[],
  ) {
    for (const rate of rates) {
      if (!(rate.perUnit > 0) || rate.currency === reporting) continue;
      const list = this.byCurrency.get(rate.currency) ?? [];
      list.push(rate);
      this.byCurrency.set(rate.currency, list);
    }
    for (const list of this.byCurrency.values())
      list.sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom));
  }

  /** The rate for `currency` on `day` (YYYY-MM-DD): the newest one effective on or before it. */
  rateOn(currency: string, day: string): number | null {
    if (currency === this.reporting) return 1;
    const list = this.byCurrency.get(currency);
    if (!list) return null;
    let found: number | null = null;
    for (const rate of list) {
      if (rate.effectiveFrom > day) break;
      found = rate.perUnit;
    }
    return found;
  }

  /** `amountMinor` of `currency` in reporting minor units on `day`, rounded half away from zero. */
  convert(amountMinor: number, currency: string, day: string): number | null {
    if (currency === this.reporting) return amountMinor;
    const rate = this.rateOn(currency, day);
    if (rate === null) return null;
    const scale = 10 ** (currencyDigits(this.reporting) - currencyDigits(currency));
    return roundHalfAway(amountMinor * scale * rate);
  }
}

/** Rounds to an integer, halves away from zero (the same for a refund as for a sale). */
export function roundHalfAway(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}
