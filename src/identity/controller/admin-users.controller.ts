import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../../libs/auth/auth.decorators.js';
import { invalid } from '../../../libs/errors/domain-error.js';
import { UsersService } from '../service/users.service.js';
import { CreateUserDto, IssueApiKeyDto, ListUsersQuery, UpdateUserDto, toUserResponse } from './dto/identity.dto.js';
import { ApiKeyListResponse, IssuedApiKeyResponse, UserPageResponse, UserResponse } from './dto/identity.responses.js';

const uuid = new ParseUUIDPipe({ exceptionFactory: () => invalid('id must be a UUID') });

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/users')
export class AdminUsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'List users (admin; filters, cursor)' })
  @ApiOkResponse({ type: UserPageResponse, description: 'a page of users' })
  async list(@Query() query: ListUsersQuery) {
    const page = await this.users.list({ limit: query.limit ?? 50, cursor: query.cursor, role: query.role, status: query.status });
    return { data: page.users.map(toUserResponse), nextCursor: page.nextCursor };
  }

  @Post()
  @ApiOperation({ summary: 'Create a user (admin)' })
  @ApiCreatedResponse({ type: UserResponse, description: 'the new user' })
  @HttpCode(201)
  async create(@Body() body: CreateUserDto) {
    return toUserResponse(await this.users.create(body));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user (admin)' })
  @ApiOkResponse({ type: UserResponse, description: 'the user' })
  async get(@Param('id', uuid) id: string) {
    return toUserResponse(await this.users.get(id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the role, plan or status of a user (admin; suspend or lift a suspension)' })
  @ApiOkResponse({ type: UserResponse, description: 'the user as changed' })
  async update(@Param('id', uuid) id: string, @Body() body: UpdateUserDto) {
    if (body.role === undefined && body.plan === undefined && body.status === undefined && body.legalHold === undefined) throw invalid('nothing to change: give role, plan, status or legalHold');
    return toUserResponse(await this.users.update(id, body));
  }

  @Get(':id/api-keys')
  @ApiOperation({ summary: 'The API keys of a user, by display prefix (admin)' })
  @ApiOkResponse({ type: ApiKeyListResponse, description: 'every key of the user, revoked ones included' })
  async listApiKeys(@Param('id', uuid) id: string) {
    const keys = await this.users.listApiKeys(id);
    return { data: keys.map((key) => ({ id: key.id, name: key.name, prefix: key.prefix, createdAt: key.createdAt.toISOString(), revokedAt: key.revokedAt?.toISOString() ?? null })) };
  }

  /** Revokes the key: it authenticates nothing from now on, on every instance. */
  @Delete(':id/api-keys/:keyId')
  @ApiOperation({ summary: 'Revoke an API key (admin)' })
  @ApiNoContentResponse({ description: 'revoked' })
  @HttpCode(204)
  async revokeApiKey(@Param('id', uuid) id: string, @Param('keyId', uuid) keyId: string): Promise<void> {
    await this.users.revokeApiKey(id, keyId);
  }

  /** The key is in this response only; gus keeps its hash. */
  @Post(':id/api-keys')
  @ApiOperation({ summary: 'Create an API key for a user; the key is shown only in this answer (admin)' })
  @ApiCreatedResponse({ type: IssuedApiKeyResponse, description: 'the new key, shown this once' })
  @HttpCode(201)
  async issueApiKey(@Param('id', uuid) id: string, @Body() body: IssueApiKeyDto) {
    const key = await this.users.issueApiKey(id, body.name ?? 'default');
    return { id: key.id, key: key.key, prefix: key.prefix, createdAt: key.createdAt.toISOString() };
  }
}
