import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsInt } from 'class-validator';

const DECIMAL_INTEGER = /^-?(?:0|[1-9][0-9]{0,14})$/;

/**
 * An integer query parameter, written in decimal digits only: `limit=0x10`, `limit=%205`, `limit=1e2` and
 * `limit=` are refused (Number() would accept them all), the rest become numbers for @Min/@Max.
 */
export function QueryInt(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => (typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value)),
    IsInt({ message: ({ property }) => `${property} must be an integer in decimal digits` }),
  );
}
