import { useCallback } from 'react';
import { formatMoney } from '../format';

/** Formats reporting-currency minor units (stable per currency, for chart props). */
export function useMoneyFormat(currency: string): (minor: number) => string {
  return useCallback((minor: number) => formatMoney(minor, currency), [currency]);
}
