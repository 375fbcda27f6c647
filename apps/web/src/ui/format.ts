const counts = new Intl.NumberFormat('en-US');
const dates = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' });
const dateTimes = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

/** 12000 → "12,000". */
export const formatCount = (value: number): string => counts.format(value);

/** 1 → "1 row", 12000 → "12,000 rows". */
export const formatRows = (value: number): string => `${formatCount(value)} ${value === 1 ? 'row' : 'rows'}`;

export const formatDate = (value: Date): string => dates.format(value);

export const formatDateTime = (value: Date): string => dateTimes.format(value);
