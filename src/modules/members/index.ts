export const membersResolvers: Function[] = [];
