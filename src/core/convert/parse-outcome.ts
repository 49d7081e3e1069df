/**
 * The result of parsing one value: the parsed value, or why it was rejected. Parsers return
 * this instead of throwing, so converters decide what a rejection costs (a field, an entry,
 * or the whole object).
 */
export type ParseOutcome<T> =
  | {
      /** Parsed. */
      readonly ok: true;
      /** The parsed value. */
      readonly value: T;
    }
  | {
      /** Rejected. */
      readonly ok: false;
      /** Why, as a sentence fragment fit for a problem message. */
      readonly reason: string;
    };
