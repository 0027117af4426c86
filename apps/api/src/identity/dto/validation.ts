import { applyDecorators } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min, ValidateBy, ValidateIf } from 'class-validator';

/** Canonical UUID text (any version): what Postgres' uuid accepts without surprises. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const trimLower = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

/**
 * Length in Unicode code points — what Postgres' length() counts, so the API's limit and the
 * database's CHECK constraint agree (class-validator's Length counts some sequences differently).
 */
export function CodePointLength(min: number, max: number): PropertyDecorator {
  return ValidateBy({
    name: 'codePointLength',
    constraints: [min, max],
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        const length = [...value].length;
        return length >= min && length <= max;
      },
      defaultMessage: () => `must be ${min} to ${max} characters long`,
    },
  });
}

/** A trimmed single-line string of min..max characters without control characters (NUL breaks Postgres text). */
export function SingleLineText(min: number, max: number): PropertyDecorator {
  return applyDecorators(
    Transform(trim),
    IsString({ message: 'must be a string' }),
    CodePointLength(min, max),
    Matches(/^[^\p{Cc}]*$/u, { message: 'must not contain control characters' }),
  );
}

/** Trimmed and lower-cased (e-mail addresses are compared case-insensitively). */
export const TrimLower = () => Transform(trimLower);

/**
 * Optional in a PATCH body, but not nullable: `undefined` (absent) skips validation, `null` fails
 * it, so a client cannot blank a required column.
 */
export const OptionalNotNull = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

/** Optional and nullable (a PATCH that clears a nullable column with `null`). */
export const OptionalNullable = () =>
  ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null);

export const IsUuidText = () => Matches(UUID_PATTERN, { message: 'must be a UUID' });

/** An integer query parameter (query strings arrive as text). */
export function QueryInt(min: number, max: number): PropertyDecorator {
  return applyDecorators(
    Type(() => Number),
    IsInt({ message: 'must be an integer' }),
    Min(min, { message: `must be at least ${min}` }),
    Max(max, { message: `must be at most ${max}` }),
  );
}
