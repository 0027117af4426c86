import { CATEGORIES, Category, Direction, DIRECTIONS } from '@symbiose/engine';
import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

const isPlainObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);
const categoryOf = (args: ValidationArguments): Category | undefined => {
  const c = (args.object as { category?: unknown }).category;
  return (CATEGORIES as readonly unknown[]).includes(c) ? (c as Category) : undefined;
};
const directionOf = (args: ValidationArguments): Direction | undefined => {
  const d = (args.object as { direction?: unknown }).direction;
  return (DIRECTIONS as readonly unknown[]).includes(d) ? (d as Direction) : undefined;
};

/**
 * "Exactly the quality block of the category": put on each block property (`heat`, `co2`, ...). The
 * block of the stream's category must be an object; every other block must be absent. When the
 * category itself is invalid, the category's own error says so and the blocks are not judged.
 */
export function IsQualityBlockOf(block: Category, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isQualityBlockOfCategory',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const category = categoryOf(args);
          if (category === undefined) return true;
          return category === block ? isPlainObject(value) : value === undefined || value === null;
        },
        defaultMessage(args: ValidationArguments) {
          const category = categoryOf(args);
          if (category !== block) return `only a ${category} block is allowed on a ${category} stream`;
          return args.value === undefined || args.value === null
            ? `required for a ${block} stream`
            : `must be an object`;
        },
      },
    });
}

/**
 * The counterfactual of the direction: `currentHandling` on a supply, `currentSource` on a demand,
 * required there (one of `values`) and absent on the other direction.
 */
export function IsCounterfactualOf(
  direction: Direction,
  values: readonly string[],
  options?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isCounterfactualOfDirection',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const d = directionOf(args);
          if (d === undefined)
            return value === undefined || value === null || values.includes(value as string);
          return d === direction ? values.includes(value as string) : value === undefined || value === null;
        },
        defaultMessage(args: ValidationArguments) {
          const d = directionOf(args);
          if (d !== undefined && d !== direction) return `only a ${direction} stream has ${args.property}`;
          if (args.value === undefined || args.value === null) {
            return `required for a ${direction} stream (one of ${values.join(', ')})`;
          }
          return `must be one of ${values.join(', ')}`;
        },
      },
    });
}

/** Present only when the stream's category is `category` (checked when the value is set). */
export function OnlyForCategory(category: Category, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'onlyForCategory',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `only a ${category} stream has $property`, ...options },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const c = categoryOf(args);
          return value === undefined || value === null || c === undefined || c === category;
        },
      },
    });
}

/** A date-only string 'YYYY-MM-DD' that is a real calendar day between 2000 and 2100. */
export function IsDateOnly(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isDateOnly',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'must be a date YYYY-MM-DD between 2000-01-01 and 2100-12-31', ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
          const d = new Date(`${value}T00:00:00Z`);
          return (
            !Number.isNaN(d.getTime()) &&
            d.toISOString().slice(0, 10) === value &&
            value >= '2000-01-01' &&
            value <= '2100-12-31'
          );
        },
      },
    });
}

/** Not before the date in sibling property `other` (when both are set). */
export function IsNotBefore(other: string, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isNotBefore',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [other],
      options: { message: `must not be before ${other}`, ...options },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const start = (args.object as Record<string, unknown>)[other];
          return typeof value !== 'string' || typeof start !== 'string' || value >= start;
        },
      },
    });
}

/** A field that exists on a stream but cannot be changed by PATCH: any value is an error. */
export function Immutable(reason: string): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'immutable',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: reason },
      validator: { validate: (value: unknown) => value === undefined },
    });
}
