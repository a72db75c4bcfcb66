import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../../../libs/auth/auth.decorators.js';
import { AuthService, type IssuedToken } from '../service/auth.service.js';
import { LoginDto, toUserResponse } from './dto/identity.dto.js';
import { TokenResponse } from './dto/identity.responses.js';

const toTokenResponse = (token: IssuedToken) => ({
  accessToken: token.accessToken,
  tokenType: token.tokenType,
  expiresIn: token.expiresIn,
  user: toUserResponse(token.user),
});

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @ApiOperation({ summary: 'Log in with email and password: a bearer token' })
  @ApiOkResponse({ type: TokenResponse, description: 'a bearer token and the user it belongs to' })
  @HttpCode(200)
  async login(@Body() body: LoginDto) {
    return toTokenResponse(await this.auth.login(body.email, body.password));
  }

  @Public()
  @Post('guest')
  @ApiOperation({ summary: 'A guest token on the guest plan (short-lived)' })
  @ApiCreatedResponse({ type: TokenResponse, description: 'a guest token and its guest user' })
  @HttpCode(201)
  async guest() {
    return toTokenResponse(await this.auth.guest());
  }
}
