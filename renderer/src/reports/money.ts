import { useCallback } from 'react';
import { formatMoney } from '../format';

/** Formats reporting-currency minor units (stable per currency, for chart props). */
export function useMoneyFormat(currency: string): (minor: number) => string {
  return useCallback((minor: number) => formatMoney(minor, currency), [currency]);
}

/** Minor-unit digits of a currency (EUR 2, JPY 0), as Intl knows them. */
export function currencyExponent(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
}
