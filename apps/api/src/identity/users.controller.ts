import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { mapPage, Principal, UsersService } from '@symbiose/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Roles } from '../auth/roles.decorator';
import { ApiAuth, ApiErrors } from './api-docs';
import { CreateUserRequest, ListUsersQuery, UpdateUserRequest } from './dto/identity.requests';
import { UserPage, UserResponse } from './dto/identity.responses';
import { ResourceIdPipe } from './resource-id.pipe';

@ApiTags('users')
@ApiAuth()
@Roles('admin', 'coordinator')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiOperation({ summary: 'Create a user (coordinators: officers only)' })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiErrors(400, 401, 403, 409)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateUserRequest,
  ): Promise<UserResponse> {
    return UserResponse.from(await this.users.create(principal, body));
  }

  @Get()
  @ApiOperation({ summary: 'List users' })
  @ApiOkResponse({ type: UserPage })
  @ApiErrors(400, 401, 403)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListUsersQuery): Promise<UserPage> {
    const page = await this.users.list(
      principal,
      { role: query.role, companyId: query.companyId },
      query.toPageRequest(),
    );
    return mapPage(page, UserResponse.from);
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(401, 403, 404)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ResourceIdPipe('User')) id: string,
  ): Promise<UserResponse> {
    return UserResponse.from(await this.users.get(principal, id));
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Edit a user; `disabled: true` stops their tokens and keys at once' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ResourceIdPipe('User')) id: string,
    @Body() body: UpdateUserRequest,
  ): Promise<UserResponse> {
    return UserResponse.from(await this.users.update(principal, id, body));
  }
}
