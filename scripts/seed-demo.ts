/**
 * `npm run seed:demo [-- <graphql url>]`: creates a NEW demo org on each run (its own random org code, so runs never
 * collide and nothing is overwritten), shaped like seed 004: a district health commission with divisions, hospitals
 * and community clinics, an ADMIN, SUB_ADMINs holding enterprise accounts scoped to their institutions, active and
 * pending members, pending invitations and an invite link, a role group, tagged external contacts and a pinned
 * announcement. Everything goes through the GraphQL API, as a client would, so it works in both modes (embedded or
 * real services). Prints how to sign in as each person, with tokens, and where GraphiQL is.
 *
 * Which gateway: the URL given (argument or SEED_GATEWAY_URL); else the one answering on PORT (4000) here, e.g. an
 * `npm start` in another terminal; else a gateway started in this process with the same configuration as `npm start`
 * (the embedded database's data folder then keeps the demo for the next `npm start`).
 */
import 'reflect-metadata';
import { randomBytes, randomInt } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { startGateway } from '../src/server';

/** Every demo person's password (personal accounts, and enterprise accounts after their first sign-in). */
export const DEMO_PASSWORD = 'orggraph-demo';

export interface DemoPerson {
  name: string;
  /** What they are, e.g. `SUB_ADMIN of 北京国华中医医院`. */
  role: string;
  /** How to sign in: `logIn` with a phone, or `logInWithEnterpriseAccount` with the org code and a login name. */
  signIn: { phone: string; password: string } | { orgCode: string; loginName: string; password: string };
  token: string;
  memberId: string;
}

export interface DemoOrg {
  orgId: string;
  orgName: string;
  orgCode: string;
  /** Department ids by path below the root, e.g. `医疗机构/一级医院/北京国华中医医院`. */
  departments: Map<string, string>;
  owner: DemoPerson;
  admin: DemoPerson;
  subAdmins: DemoPerson[];
  activeMembers: number;
  /** Added or invited, not joined yet ("未激活"): one pending phone invitation each. */
  pendingMembers: number;
  inviteLinkUrl: string;
  contacts: number;
}

interface DepartmentSpec {
  name: string;
  children?: DepartmentSpec[];
}

/** The commission's tree as in seed 004 (朝阳一张网 > 医疗机构 > 一级医院 > 某某医院), abridged. */
const TREE: DepartmentSpec[] = [
  { name: '卫生健康委机关', children: [{ name: '办公室' }, { name: '医政医管科' }, { name: '疾病预防控制科' }] },
  {
    name: '医疗机构',
    children: [
      { name: '一级医院', children: [{ name: '某某医院' }, { name: '北京中医医院' }, { name: '北京国华中医医院' }] },
      { name: '二级医院', children: [{ name: '朝阳区示范医院' }] },
      { name: '三级医院', children: [{ name: '朝阳区中心医院', children: [{ name: '急诊科' }, { name: '心内科' }] }] },
    ],
  },
  { name: '社区卫生服务中心', children: [{ name: '团结湖社区卫生服务中心' }, { name: '六里屯社区卫生服务中心' }, { name: '三里屯社区卫生服务中心' }] },
  { name: '医疗防疫保障工作专班' },
  { name: '系统运维' },
];

/** The institution admins of seed 004: enterprise accounts, SUB_ADMIN over their own institution. */
const SUB_ADMINS = [
  { name: '周医管', loginName: 'yljg-admin', department: '医疗机构', title: '医疗机构管理员' },
  { name: '冯国华', loginName: 'ding0934gh', department: '医疗机构/一级医院/北京国华中医医院', title: '院办主任' },
  { name: '蒋团结', loginName: 'tjh-admin', department: '社区卫生服务中心/团结湖社区卫生服务中心', title: '中心主任' },
];

/** Staff with enterprise accounts (ACTIVE): name, department, title, custom role. */
const STAFF: Array<[string, string, string, string | null]> = [
  ['陈立', '卫生健康委机关/医政医管科', '科长', null],
  ['林芳', '卫生健康委机关/疾病预防控制科', '科员', '信息员'],
  ['黄海', '医疗机构/一级医院/某某医院', '医生', null],
  ['吴静', '医疗机构/一级医院/北京中医医院', '护士长', '安全生产负责人'],
  ['徐明', '医疗机构/一级医院/北京国华中医医院', '医生', '信息员'],
  ['孙悦', '医疗机构/三级医院/朝阳区中心医院/急诊科', '主治医师', null],
  ['马骏', '医疗机构/三级医院/朝阳区中心医院/心内科', '主任医师', null],
  ['朱琳', '社区卫生服务中心/团结湖社区卫生服务中心', '全科医生', '接诉即办员'],
  ['胡波', '社区卫生服务中心/六里屯社区卫生服务中心', '全科医生', null],
  ['郭强', '医疗防疫保障工作专班', '专班联络员', null],
  ['何勇', '系统运维', '运维工程师', null],
];

/** Added by an admin, invitation not yet accepted ("未激活"). */
const PENDING: Array<[string, string]> = [
  ['郑洁', '医疗机构/二级医院/朝阳区示范医院'],
  ['谢涛', '医疗机构/三级医院/朝阳区中心医院/急诊科'],
  ['韩梅', '社区卫生服务中心/三里屯社区卫生服务中心'],
  ['唐磊', '医疗防疫保障工作专班'],
];

/** Random but valid mainland-China mobile numbers (the default region). */
function demoPhone(): string {
  return `+86137${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

interface GraphQLAnswer {
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** A GraphQL-over-HTTP caller that fails loudly, naming the operation. */
function caller(url: string) {
  return async (token: string | null, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const answer = (await response.json()) as GraphQLAnswer;
    if (answer.errors?.length || !answer.data) {
      const name = /(?:mutation|query)\s+(\w+)/.exec(query)?.[1] ?? 'operation';
      throw new Error(`${name} failed: ${JSON.stringify(answer.errors ?? answer)}`);
    }
    return answer.data;
  };
}

/** Creates one demo org through the gateway at `graphqlUrl` (its `/graphql` endpoint). */
export async function seedDemo(graphqlUrl: string): Promise<DemoOrg> {
  const call = caller(graphqlUrl);

  // The owner: a personal account who creates the org.
  const ownerPhone = demoPhone();
  const signUp = (await call(null, `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token } }`, {
    input: { phone: ownerPhone, name: '王建国', password: DEMO_PASSWORD },
  })).signUp;
  const orgName = '北京市朝阳区卫生健康委员会（演示）';
  const orgCode = `cyqwjw-${randomBytes(3).toString('hex')}`;
  const created = (await call(signUp.token, `mutation CreateOrg($input: CreateOrgInput!) {
    createOrg(input: $input) { token org { id } member { id } } }`, { input: { name: orgName, code: orgCode } })).createOrg;
  const ownerToken: string = created.token;
  const asOwner = (query: string, variables?: Record<string, unknown>) => call(ownerToken, query, variables);

  const departments = new Map<string, string>();
  const addDepartments = async (specs: DepartmentSpec[], parentPath: string | null): Promise<void> => {
    for (const spec of specs) {
      const path = parentPath ? `${parentPath}/${spec.name}` : spec.name;
      const { createDepartment } = await asOwner(`mutation CreateDepartment($input: CreateDepartmentInput!) { createDepartment(input: $input) { id } }`, {
        input: { name: spec.name, parentId: parentPath ? departments.get(parentPath) : null },
      });
      departments.set(path, createDepartment.id);
      if (spec.children) await addDepartments(spec.children, path);
    }
  };
  await addDepartments(TREE, null);
  const department = (path: string): string => {
    const id = departments.get(path);
    if (!id) throw new Error(`no demo department ${path}`);
    return id;
  };

  const { roles } = await asOwner(`query Roles { roles { id name builtin } }`);
  const builtin = (kind: string): string => (roles as Array<{ id: string; builtin: string | null }>).find((role) => role.builtin === kind)!.id;

  // The role group of seed 004 (朝阳一张网角色组): information officer, hotline handler, safety officer.
  const { createRoleGroup } = await asOwner(`mutation CreateRoleGroup($input: CreateRoleGroupInput!) { createRoleGroup(input: $input) { id } }`, {
    input: { name: '朝阳一张网角色组' },
  });
  const customRoles = new Map<string, string>();
  for (const name of ['信息员', '接诉即办员', '安全生产负责人']) {
    const { createRole } = await asOwner(`mutation CreateRole($input: CreateRoleInput!) { createRole(input: $input) { id } }`, {
      input: {
        name,
        groupId: createRoleGroup.id,
        permissions: [
          { module: 'MEMBERS', actions: ['VIEW'] },
          { module: 'NOTIFICATIONS', actions: ['VIEW'] },
        ],
      },
    });
    customRoles.set(name, createRole.id);
  }

  const addMember = async (token: string, name: string, departmentPath: string, extra: Record<string, unknown> = {}) => {
    const { addMember: member } = await call(token, `mutation AddMember($input: AddMemberInput!) { addMember(input: $input) { id } }`, {
      input: { name, phone: demoPhone(), departmentIds: [department(departmentPath)], ...extra },
    });
    return member.id as string;
  };
  const issueEnterpriseAccount = async (memberId: string, loginName: string) => {
    const { createEnterpriseAccount } = await asOwner(`mutation CreateEnterpriseAccount($memberId: ID!, $loginName: String!) {
      createEnterpriseAccount(memberId: $memberId, loginName: $loginName) { loginName initialPassword } }`, { memberId, loginName });
    return createEnterpriseAccount as { loginName: string; initialPassword: string };
  };

  // The ADMIN: a personal account who joins through an invite link granting ADMIN in the commission's office.
  const { createInviteLink: adminLink } = await asOwner(`mutation CreateInviteLink($input: CreateInviteLinkInput!) {
    createInviteLink(input: $input) { token } }`, { input: { departmentIds: [department('卫生健康委机关/办公室')], roleIds: [builtin('ADMIN')], maxUses: 1 } });
  const adminPhone = demoPhone();
  const adminSignUp = (await call(null, `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token } }`, {
    input: { phone: adminPhone, name: '李委办', password: DEMO_PASSWORD },
  })).signUp;
  const { acceptInvitation } = await call(adminSignUp.token, `mutation AcceptInvitation($token: String!) {
    acceptInvitation(token: $token) { token member { id } } }`, { token: adminLink.token });
  const admin: DemoPerson = {
    name: '李委办',
    role: 'ADMIN (办公室)',
    signIn: { phone: adminPhone, password: DEMO_PASSWORD },
    token: acceptInvitation.token,
    memberId: acceptInvitation.member.id,
  };

  // SUB_ADMINs: enterprise accounts, each scoped to its institution; first sign-in changes the initial password.
  const subAdmins: DemoPerson[] = [];
  for (const spec of SUB_ADMINS) {
    const memberId = await addMember(ownerToken, spec.name, spec.department, { title: spec.title });
    await asOwner(`mutation AssignRole($input: AssignRoleInput!) { assignRole(input: $input) { id } }`, {
      input: { memberId, roleId: builtin('SUB_ADMIN'), scopeDepartmentIds: [department(spec.department)] },
    });
    const account = await issueEnterpriseAccount(memberId, spec.loginName);
    const { logInWithEnterpriseAccount } = await call(null, `mutation LogInWithEnterpriseAccount($input: LogInWithEnterpriseAccountInput!) {
      logInWithEnterpriseAccount(input: $input) { token } }`, { input: { orgCode, loginName: account.loginName, password: account.initialPassword } });
    await call(logInWithEnterpriseAccount.token, `mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) { id } }`, {
      input: { currentPassword: account.initialPassword, newPassword: DEMO_PASSWORD },
    });
    subAdmins.push({
      name: spec.name,
      role: `SUB_ADMIN (${spec.department.split('/').at(-1)})`,
      signIn: { orgCode, loginName: account.loginName, password: DEMO_PASSWORD },
      token: logInWithEnterpriseAccount.token,
      memberId,
    });
  }

  // Staff: ACTIVE through enterprise accounts (not signed in yet), some holding a role of the role group.
  for (const [name, path, title, roleName] of STAFF) {
    const memberId = await addMember(admin.token, name, path, { title, ...(roleName ? { roleIds: [builtin('MEMBER'), customRoles.get(roleName)] } : {}) });
    await issueEnterpriseAccount(memberId, `staff-${randomBytes(3).toString('hex')}`);
  }

  // Pending: added by the admin and by the hospital's sub-admin within its scope, not yet accepted.
  for (const [name, path] of PENDING) await addMember(admin.token, name, path);
  const hospital = subAdmins[1]!;
  await addMember(hospital.token, '罗晨', '医疗机构/一级医院/北京国华中医医院', { title: '药剂师' });

  // Invitations by phone (the SMS sits in the outbox; each adds a pending member too), one from the sub-admin, and a
  // reusable link for the clinics.
  const invite = (token: string, name: string, path: string) =>
    call(token, `mutation SendInvitation($input: SendInvitationInput!) { sendInvitation(input: $input) { invitation { id } } }`, {
      input: { name, phone: demoPhone(), departmentIds: [department(path)], message: '请下载并登录，点击同意团队邀请' },
    });
  await invite(admin.token, '曹敏', '卫生健康委机关/医政医管科');
  await invite(admin.token, '彭飞', '医疗防疫保障工作专班');
  await invite(hospital.token, '邓琪', '医疗机构/一级医院/北京国华中医医院');
  const { createInviteLink: clinicsLink } = await call(admin.token, `mutation CreateInviteLink($input: CreateInviteLinkInput!) {
    createInviteLink(input: $input) { url } }`, { input: { departmentIds: [department('社区卫生服务中心')], maxUses: 50, expiresIn: 7 * 24 * 3600 } });

  // External contacts with tags, shared in different ways [000] [001].
  const tags = new Map<string, string>();
  for (const [groupName, names] of [
    ['单位类型', ['供应商', '合作伙伴', '上级单位']],
    ['业务领域', ['药品', '医疗设备', '信息化', '急救']],
  ] as const) {
    const { createTagGroup } = await asOwner(`mutation CreateTagGroup($input: CreateTagGroupInput!) { createTagGroup(input: $input) { id } }`, { input: { name: groupName } });
    for (const name of names) {
      const { createTag } = await asOwner(`mutation CreateTag($input: CreateTagInput!) { createTag(input: $input) { id } }`, { input: { groupId: createTagGroup.id, name } });
      tags.set(name, createTag.id);
    }
  }
  const contact = async (token: string, input: Record<string, unknown>, tagNames: string[]) => {
    const { createContact } = await call(token, `mutation CreateContact($input: CreateContactInput!) { createContact(input: $input) { id } }`, {
      input: { phones: [demoPhone()], tagIds: tagNames.map((name) => tags.get(name)), ...input },
    });
    return createContact.id as string;
  };
  const supplier = await contact(admin.token, { name: '张经理', company: '国药控股北京有限公司', title: '客户经理', email: 'zhang@example.org', visibility: 'ORG' }, ['供应商', '药品']);
  await contact(admin.token, { name: '赵处长', company: '北京市卫生健康委员会信息中心', title: '处长', visibility: 'ORG' }, ['上级单位', '信息化']);
  await contact(admin.token, { name: '刘主任', company: '北京急救中心', title: '调度科主任', visibility: 'SHARED', sharedDepartmentIds: [department('医疗机构')] }, ['合作伙伴', '急救']);
  await contact(admin.token, { name: '陈工', company: '示例软件有限公司', title: '实施工程师', visibility: 'SHARED', sharedDepartmentIds: [department('系统运维')], notes: '负责钉钉对接与通讯录同步' }, ['供应商', '信息化']);
  await contact(hospital.token, { name: '孙先生', company: '示例医疗器械有限公司', title: '销售代表', visibility: 'PRIVATE' }, ['供应商', '医疗设备']);
  await contact(subAdmins[2]!.token, { name: '团结湖社区居委会', company: '团结湖街道', visibility: 'SHARED', sharedDepartmentIds: [department('社区卫生服务中心')] }, ['合作伙伴']);
  await call(admin.token, `mutation RecordInteraction($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }`, {
    input: { contactId: supplier, kind: 'MEETING', at: new Date().toISOString(), summary: '讨论第四季度药品配送计划' },
  });

  // The announcement of seed 004's work-notification screenshot.
  await call(admin.token, `mutation PublishAnnouncement($input: PublishAnnouncementInput!) { publishAnnouncement(input: $input) { id } }`, {
    input: { title: '安全生产自检', body: '请各单位于本月底前完成安全生产自检，并由安全生产负责人提交自检报告。', audience: { everyone: true }, pinned: true },
  });

  return {
    orgId: created.org.id,
    orgName,
    orgCode,
    departments,
    owner: { name: '王建国', role: 'OWNER', signIn: { phone: ownerPhone, password: DEMO_PASSWORD }, token: ownerToken, memberId: created.member.id },
    admin,
    subAdmins,
    activeMembers: 2 + SUB_ADMINS.length + STAFF.length,
    pendingMembers: PENDING.length + 1 + 3,
    inviteLinkUrl: clinicsLink.url,
    contacts: 6,
  };
}

function describeDemo(demo: DemoOrg, graphqlUrl: string, tokensOutliveSeeding: boolean): string {
  const lines = [
    `Demo org "${demo.orgName}", org code ${demo.orgCode} (a new one each run):`,
    `  ${demo.departments.size} departments, ${demo.activeMembers} active members, ${demo.pendingMembers} pending ones (invited by SMS, ` +
      `not joined yet), an invite link for the community clinics, ${demo.contacts} tagged contacts, a pinned announcement.`,
    '',
    `GraphiQL: ${graphqlUrl} (header {"Authorization": "Bearer <token>"}; subscriptions: ${graphqlUrl.replace(/^http/, 'ws')})`,
    `Invite link: ${demo.inviteLinkUrl}`,
    '',
  ];
  for (const person of [demo.owner, demo.admin, ...demo.subAdmins]) {
    const signIn =
      'phone' in person.signIn
        ? `logIn(input: { phone: "${person.signIn.phone}", password: "${person.signIn.password}" })`
        : `logInWithEnterpriseAccount(input: { orgCode: "${person.signIn.orgCode}", loginName: "${person.signIn.loginName}", password: "${person.signIn.password}" })`;
    lines.push(`${person.role}: ${person.name}`, `  ${signIn}`, `  token: ${person.token}`);
  }
  if (!tokensOutliveSeeding) {
    lines.push('', 'These tokens were signed with a random JWT_SECRET and end with this process: sign in as shown, or set JWT_SECRET.');
  }
  lines.push(
    '',
    'Try:',
    `  curl -s ${graphqlUrl} -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\`,
    `    -d '{"query":"{ viewer { org { name memberQuota { used limit } rootDepartment { name memberCount children { name memberCount } } } } }"}'`,
  );
  return lines.join('\n');
}

async function answersHealth(graphqlUrl: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/healthz', graphqlUrl), { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const given = process.argv[2] ?? process.env.SEED_GATEWAY_URL;
  const local = `http://localhost:${config.port}/graphql`;
  if (given || (await answersHealth(local))) {
    const url = given ?? local;
    console.log(`Seeding through the gateway at ${url}`);
    console.log(describeDemo(await seedDemo(url), url, true));
    return;
  }
  const mode = `${config.databaseUrl ? 'PostgreSQL at DATABASE_URL' : `the embedded database in ${config.dataDir}`}, ${config.redisUrl ? 'Redis' : 'in-process pub/sub'}`;
  console.log(`No gateway answers on ${local}: seeding through one started here (${mode}), as npm start would run it.`);
  const gateway = await startGateway({ ...config, port: 0, host: '127.0.0.1', outboxPollMs: 0, drainDelayMs: 0 }, pino({ level: 'warn' }));
  try {
    const demo = await seedDemo(gateway.url);
    // An embedded gateway keeps its secret in the data folder; otherwise only a JWT_SECRET makes the tokens last.
    console.log(describeDemo(demo, local, !config.databaseUrl || !config.jwtSecretIsRandom));
    console.log(`\nStart the gateway with \`npm start\` to use them.`);
  } finally {
    await gateway.close();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
