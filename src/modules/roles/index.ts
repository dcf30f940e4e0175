export const rolesResolvers: Function[] = [];
