export const invitationsResolvers: Function[] = [];
