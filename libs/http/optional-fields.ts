import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsOptional, ValidateIf } from 'class-validator';

/*
 * What null means in an optional field of a request body. class-validator's IsOptional skips null as well as a
 * missing field but hands null on, and services that test `=== undefined` then stored it or failed (a PATCH with
 * {"role": null} answered 500). So every optional body field says which of the two it is.
 */

/** May be left out or sent as null, which mean the same: not given (the handler sees undefined). For create and send bodies. */
export function OptionalOrNull(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => (value === null ? undefined : value)),
    IsOptional(),
  );
}

/** May be left out; null is checked like any other value, so refused: a PATCH cannot clear this field. */
export function OptionalNotNull(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}
