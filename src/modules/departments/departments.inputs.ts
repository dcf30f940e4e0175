import { Field, ID, InputType, Int } from 'type-graphql';

@InputType({ description: 'A department to create.' })
export class CreateDepartmentInput {
  @Field(() => ID, { nullable: true, description: 'The parent department; the org root when omitted.' })
  parentId?: string | null;

  @Field(() => String, { description: 'Trimmed, 1 to 100 characters, unique among its siblings.' })
  name!: string;
}

@InputType({ description: 'A department and its new name.' })
export class RenameDepartmentInput {
  @Field(() => ID, { description: 'The department.' })
  id!: string;

  @Field(() => String, { description: 'Trimmed, 1 to 100 characters, unique among its siblings.' })
  name!: string;
}

@InputType({ description: 'Where to move a department.' })
export class MoveDepartmentInput {
  @Field(() => ID, { description: 'The department to move.' })
  id!: string;

  @Field(() => ID, { description: 'The new parent; may be the current one, to reorder only.' })
  newParentId!: string;

  @Field(() => Int, {
    nullable: true,
    description: '0-based place among the new siblings; last when omitted or beyond the end.',
  })
  position?: number | null;
}
