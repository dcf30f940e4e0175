export const departmentsResolvers: Function[] = [];
