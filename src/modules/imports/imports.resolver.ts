import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { PageArgs, type Connection } from '../../graphql/relay';
import { Member } from '../members/member.entity';
import { MemberImportConnection, MemberImportIssueConnection } from './imports.inputs';
import { getMemberImport, listMemberImports, memberImportReport } from './imports.service';
import { MemberImport, type MemberImportIssue } from './member-import.entity';

@Resolver(() => MemberImport)
export class MemberImportsResolver {
  @Authorized(Access.MEMBER)
  @Query(() => MemberImport, {
    nullable: true,
    description: 'A bulk import (`POST /imports`) by its id or its raw importId. OWNER and ADMIN see every import, others their own.',
  })
  memberImport(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<MemberImport> {
    return getMemberImport(ctx, id);
  }

  @Authorized(Access.MEMBER)
  @Query(() => MemberImportConnection, { description: 'Bulk imports, newest first: all of the org for OWNER and ADMIN, one’s own for sub-admins.' })
  memberImports(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<MemberImport>> {
    return listMemberImports(ctx, page);
  }

  @FieldResolver(() => Date)
  createdAt(@Root() memberImport: MemberImport): Date {
    return memberImport.createdAt;
  }

  @FieldResolver(() => Member, { nullable: true, description: 'Who ran the import; null when no longer a member.' })
  async createdBy(@Root() memberImport: MemberImport, @Ctx() ctx: GraphQLContext): Promise<Member | null> {
    return memberImport.createdByMemberId ? ctx.loaders.memberById.load(memberImport.createdByMemberId) : null;
  }

  @FieldResolver(() => MemberImportIssueConnection, { description: 'The report: one entry per problem found, by row. totalCount is free.' })
  report(@Root() memberImport: MemberImport, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<MemberImportIssue>> {
    return memberImportReport(ctx, memberImport, page);
  }
}
