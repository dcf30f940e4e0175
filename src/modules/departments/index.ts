import { registerNodeType } from '../../graphql/node.resolver';
import { DepartmentsResolver } from './departments.resolver';

registerNodeType('Department', (ctx, id) => ctx.loaders.departmentById.load(id));

export const departmentsResolvers: Function[] = [DepartmentsResolver];
