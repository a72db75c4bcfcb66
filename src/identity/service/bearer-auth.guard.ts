import { Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { IS_PUBLIC, REQUIRED_ROLES } from '../../../libs/auth/auth.decorators.js';
import type { Principal, Role } from '../../../libs/auth/principal.js';
import { DomainError } from '../../../libs/errors/domain-error.js';
import { serviceUnavailable } from '../../../libs/errors/http-error.filter.js';
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
  private readonly logger = new Logger('BearerAuthGuard');

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

  /**
   * Passport's verdict. A token that was checked and refused is 401; anything else that went wrong while
   * checking it (the database or Redis down, a bug) leaves the credentials unjudged: 503 with Retry-After, so
   * that a client retries instead of logging its user out.
   */
  handleRequest<T>(error: unknown, user: T): T {
    if (error instanceof DomainError) throw error;
    if (error) {
      this.logger.warn({ msg: 'could not authenticate a request', error: error instanceof Error ? error.message : String(error) });
      throw serviceUnavailable();
    }
    if (!user) throw new DomainError('UNAUTHENTICATED', 'missing or invalid credentials');
    return user;
  }
}
