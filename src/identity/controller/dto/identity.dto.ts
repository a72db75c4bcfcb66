import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, Length, Max, Min, MaxLength } from 'class-validator';
import { OptionalNotNull, OptionalOrNull } from '../../../../libs/http/optional-fields.js';
import { QueryInt } from '../../../../libs/http/query-int.js';
import type { User } from '../../domain/user.js';
import { ROLES, USER_STATUSES, type Role, type UserStatus } from '../../domain/user.js';

export class LoginDto {
  @ApiProperty({ example: 'admin@example.com' }) @IsEmail() @MaxLength(320) email: string;
  @ApiProperty() @IsString() @Length(1, 1024) password: string;
}

export class CreateUserDto {
  @ApiProperty() @IsEmail() @MaxLength(320) email: string;
  @ApiPropertyOptional({ minLength: 8 }) @OptionalOrNull() @IsString() @Length(8, 1024) password?: string;
  @ApiPropertyOptional({ enum: ROLES }) @OptionalOrNull() @IsIn(ROLES) role?: Role;
  @ApiPropertyOptional({ example: 'free' }) @OptionalOrNull() @IsString() @Length(1, 64) plan?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ROLES }) @OptionalNotNull() @IsIn(ROLES) role?: Role;
  @ApiPropertyOptional() @OptionalNotNull() @IsString() @Length(1, 64) plan?: string;
  @ApiPropertyOptional({ enum: USER_STATUSES, description: 'suspended = suspend, active = lift a suspension' })
  @OptionalNotNull()
  @IsIn(USER_STATUSES)
  status?: UserStatus;
  @ApiPropertyOptional({ description: 'a legal hold: while true, retention and erasure delete nothing of the user' }) @OptionalNotNull() @IsBoolean() legalHold?: boolean;
}

export class ListUsersQuery {
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @QueryInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ enum: ROLES }) @IsOptional() @IsIn(ROLES) role?: Role;
  @ApiPropertyOptional({ enum: USER_STATUSES }) @IsOptional() @IsIn(USER_STATUSES) status?: UserStatus;
}

export class IssueApiKeyDto {
  @ApiPropertyOptional({ example: 'ci' }) @OptionalOrNull() @IsString() @Length(1, 100) name?: string;
}

/** The fields of a user a client may see: never the password hash. */
export function toUserResponse(user: User) {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    plan: user.plan,
    status: user.status,
    legalHold: user.legalHold,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
