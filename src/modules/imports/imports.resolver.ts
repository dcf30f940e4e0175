import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { PageArgs, type Connection } from '../../graphql/relay';
import { Member } from '../members/member.entity';
import type { BulkImport, MemberImportIssue } from './bulk-import.entity';
import { ContactImport } from './contact-import.entity';
import { ContactImportConnection, MemberImportConnection, MemberImportIssueConnection } from './imports.inputs';
import { getContactImport, getMemberImport, importReport, listContactImports, listMemberImports } from './imports.service';
import { MemberImport } from './member-import.entity';

/** The fields every kind of import resolves the same way (one resolver class per GraphQL type). */
function importFieldsResolver(kind: typeof MemberImport | typeof ContactImport) {
  @Resolver(() => kind)
  class ImportFieldsResolver {
    @FieldResolver(() => Date, { description: 'When the upload started.' })
    createdAt(@Root() bulkImport: BulkImport): Date {
      return bulkImport.createdAt;
    }

    @FieldResolver(() => Member, { nullable: true, description: 'Who ran the import; null when no longer a member.' })
    async createdBy(@Root() bulkImport: BulkImport, @Ctx() ctx: GraphQLContext): Promise<Member | null> {
      return bulkImport.createdByMemberId ? ctx.loaders.memberById.load(bulkImport.createdByMemberId) : null;
    }

    @FieldResolver(() => MemberImportIssueConnection, { description: 'The report: one entry per problem found, by row. totalCount is free.' })
    report(@Root() bulkImport: BulkImport, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<MemberImportIssue>> {
      return importReport(ctx.loaders, bulkImport, page);
    }
  }
  Object.defineProperty(ImportFieldsResolver, 'name', { value: `${kind.name}FieldsResolver` });
  return ImportFieldsResolver;
}

export const MemberImportFieldsResolver = importFieldsResolver(MemberImport);
export const ContactImportFieldsResolver = importFieldsResolver(ContactImport);

@Resolver(() => MemberImport)
export class MemberImportsResolver {
  @Authorized(Access.MEMBER)
  @Query(() => MemberImport, {
    nullable: true,
    description: 'A bulk import of people (`POST /imports`) by its id or its raw importId. OWNER and ADMIN see every import, others their own.',
  })
  memberImport(@Arg('id', () => ID, { description: 'Its global ID or raw importId.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<MemberImport> {
    return getMemberImport(ctx.viewer, ctx.loaders, id);
  }

  @Authorized(Access.MEMBER)
  @Query(() => MemberImportConnection, { description: 'Bulk imports of people, newest first: all of the org for OWNER and ADMIN, one’s own for sub-admins.' })
  memberImports(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<MemberImport>> {
    return listMemberImports(ctx.em, ctx.viewer, page);
  }
}

@Resolver(() => ContactImport)
export class ContactImportsResolver {
  @Authorized(Access.MEMBER)
  @Query(() => ContactImport, {
    nullable: true,
    description: 'A bulk import of external contacts (`POST /imports/contacts`) by its id or its raw importId. OWNER and ADMIN see every import, others their own.',
  })
  contactImport(@Arg('id', () => ID, { description: 'Its global ID or raw importId.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<ContactImport> {
    return getContactImport(ctx.viewer, ctx.loaders, id);
  }

  @Authorized(Access.MEMBER)
  @Query(() => ContactImportConnection, { description: 'Bulk imports of contacts, newest first: all of the org for OWNER and ADMIN, one’s own for everyone else.' })
  contactImports(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<ContactImport>> {
    return listContactImports(ctx.em, ctx.viewer, page);
  }
}
