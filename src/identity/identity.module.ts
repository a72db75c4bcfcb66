import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from '../../libs/config/app-config.js';
import { UsageModule } from '../usage/usage.module.js';
import { AdminPlansController } from './controller/admin-plans.controller.js';
import { AdminUsersController } from './controller/admin-users.controller.js';
import { AuthController } from './controller/auth.controller.js';
import { MeController } from './controller/me.controller.js';
import { IdentityFacade } from './identity.facade.js';
import { ApiKeyEntity, UserEntity } from './repository/user.entity.js';
import { UserRepository } from './repository/user.repository.js';
import { AuthService } from './service/auth.service.js';
import { BearerAuthGuard, BearerStrategy } from './service/bearer-auth.guard.js';
import { resolveJwtSecret } from './service/jwt-secret.js';
import { PrincipalCache } from './service/principal-cache.js';
import { LoginThrottle } from './service/login-throttle.js';
import { planCatalogProvider } from './repository/plan-catalog.file.js';
import { UsersService } from './service/users.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([UserEntity, ApiKeyEntity]),
    PassportModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ secret: resolveJwtSecret(config), signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } }),
    }),
    UsageModule,
  ],
  controllers: [AuthController, MeController, AdminUsersController, AdminPlansController],
  providers: [
    planCatalogProvider,
    UserRepository,
    PrincipalCache,
    LoginThrottle,
    AuthService,
    UsersService,
    BearerStrategy,
    IdentityFacade,
    { provide: APP_GUARD, useClass: BearerAuthGuard },
  ],
  exports: [IdentityFacade],
})
export class IdentityModule {}
