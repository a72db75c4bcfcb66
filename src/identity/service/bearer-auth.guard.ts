import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { IS_PUBLIC, REQUIRED_ROLES } from '../../../libs/auth/auth.decorators.js';
import type { Principal, Role } from '../../../libs/auth/principal.js';
import { DomainError } from '../../../libs/errors/domain-error.js';
import { AuthService } from './auth.service.js';

/** passport-http-bearer: the token is either an API key (gus_…) or a JWT. */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(private readonly auth: AuthService) {
    super();
  }

  validate(token: string): Promise<Principal> {
    return this.auth.authenticate(token);
  }
}

/** Global guard: every route needs a bearer token unless marked @Public(); @Roles() narrows it further. */
@Injectable()
export class BearerAuthGuard extends AuthGuard('bearer') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    await super.canActivate(context);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    const principal = context.switchToHttp().getRequest<{ user: Principal }>().user;
    if (roles && !roles.includes(principal.role)) throw new DomainError('FORBIDDEN', 'this route needs one of the roles: ' + roles.join(', '));
    return true;
  }

  handleRequest<T>(error: unknown, user: T): T {
    if (error) throw error instanceof DomainError ? error : new DomainError('UNAUTHENTICATED', 'missing or invalid credentials');
    if (!user) throw new DomainError('UNAUTHENTICATED', 'missing or invalid credentials');
    return user;
  }
}
