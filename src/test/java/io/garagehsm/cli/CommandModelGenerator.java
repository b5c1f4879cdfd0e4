package io.garagehsm.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IAnnotatedElement;
import picocli.CommandLine.Model.ITypeInfo;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * Build step (pom.xml, execution {@code command-model}, after the main compile): writes {@code
 * GeneratedCommandModels.java}, the picocli model of every command of the tree as code ({@link
 * CommandModel}). For each command, mixin and argument-group class it emits, in picocli's own order
 * (superclasses first, fields in declaration order), what picocli's reflection does with each
 * annotated field — the same builder calls ({@code OptionSpec.builder(element, factory)}, {@code
 * addMixin}, {@code ArgGroupSpec.builder}, {@code updateCommandAttributes}) — handing them the
 * annotation's values as a constant object instead of one read by reflection. Type information and
 * descriptions of members come from picocli's reflective model of the same classes, read here.
 * Anything it cannot reproduce exactly fails the build with a message naming it.
 *
 * <p>Nothing is needed when a command, option or mixin is added: the next build generates it;
 * CommandModelTest compares every generated command with picocli's reflection.
 */
public final class CommandModelGenerator {
  static final String CLASS = "GeneratedCommandModels";
  private static final String PACKAGE = "io.garagehsm.cli";
  private static final List<Class<? extends Annotation>> MEMBER_ANNOTATIONS =
      List.of(
          Option.class,
          Parameters.class,
          ArgGroup.class,
          Unmatched.class,
          Mixin.class,
          Spec.class,
          ParentCommand.class);

  /** What a build step cannot reproduce: the build fails with this. */
  static final class Unsupported extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unsupported(String what) {
      super("command model generation: " + what);
    }
  }

  private final Map<Class<?>, Integer> ids = new LinkedHashMap<>();
  private final Map<Class<?>, CommandSpec> reference = new LinkedHashMap<>();
  private final Map<Class<?>, CommandSpec> commands = new LinkedHashMap<>();
  private final Map<Field, ITypeInfo> typeInfos = new LinkedHashMap<>();
  private final Set<Class<?>> groupClasses = new LinkedHashSet<>();
  private final Map<Class<? extends Annotation>, Boolean> annotationTypes = new LinkedHashMap<>();
  private final Map<String, Integer> hiddenClasses = new LinkedHashMap<>();
  private final StringBuilder body = new StringBuilder();

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]).resolve(PACKAGE.replace('.', '/'));
    Files.createDirectories(dir);
    String source = generate();
    Path file = dir.resolve(CLASS + ".java");
    if (!Files.exists(file) || !Files.readString(file).equals(source)) {
      Files.writeString(file, source); // unchanged: left alone, so the compile after it is a no-op
    }
  }

  /** The source of GeneratedCommandModels for the whole tree. */
  static String generate() {
    CliContext ctx =
        new CliContext(
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            Map.of(),
            Clock.systemUTC());
    CommandLine tree = Main.commandLine(ctx, null, false);
    CommandModelGenerator g = new CommandModelGenerator();
    g.collect(tree);
    return g.source();
  }

  private void collect(CommandLine cl) {
    CommandSpec spec = cl.getCommandSpec();
    Class<?> c = spec.userObject().getClass();
    if (commands.put(c, spec) == null) {
      note(c, spec);
    }
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (sub.getCommandSpec().parent() == spec) { // not an alias entry
        collect(sub);
      }
    }
  }

  /** Records the classes to generate and picocli's type information of their fields. */
  private void note(Class<?> c, CommandSpec spec) {
    ids.putIfAbsent(c, ids.size());
    reference.putIfAbsent(c, spec);
    for (ArgSpec a : spec.args()) {
      if (a.userObject() instanceof Field f) {
        typeInfos.put(f, a.typeInfo());
      }
    }
    for (IAnnotatedElement e : spec.mixinAnnotatedElements().values()) {
      typeInfos.put((Field) e.userObject(), e.getTypeInfo());
    }
    for (IAnnotatedElement e : spec.specElements()) {
      typeInfos.put((Field) e.userObject(), e.getTypeInfo());
    }
    for (IAnnotatedElement e : spec.parentCommandElements()) {
      typeInfos.put((Field) e.userObject(), e.getTypeInfo());
    }
    for (ArgGroupSpec group : spec.argGroups()) {
      typeInfos.put(boundField(group), group.typeInfo());
      Class<?> gc = group.typeInfo().getType();
      groupClasses.add(gc);
      ids.putIfAbsent(gc, ids.size());
      for (IAnnotatedElement e : group.specElements()) {
        typeInfos.put((Field) e.userObject(), e.getTypeInfo());
      }
      if (!group.subgroups().isEmpty()) {
        throw new Unsupported("nested @ArgGroup in " + group.typeInfo().getClassName());
      }
    }
    for (Map.Entry<String, CommandSpec> m : spec.mixins().entrySet()) {
      Class<?> mc = m.getValue().userObject().getClass();
      note(mc, m.getValue());
    }
  }

  /** The field behind a group (picocli keeps it in its private FieldBinding). */
  private static Field boundField(ArgGroupSpec group) {
    try {
      Object binding = group.getter();
      Field f = binding.getClass().getDeclaredField("field");
      f.setAccessible(true);
      return (Field) f.get(binding);
    } catch (ReflectiveOperationException e) {
      throw new Unsupported("an @ArgGroup that is not a field: " + group.synopsis());
    }
  }

  private String source() {
    for (Class<?> c : ids.keySet()) {
      emitClass(c);
    }
    StringBuilder s = new StringBuilder();
    s.append("package ").append(PACKAGE).append(";\n\n");
    s.append("// Generated by CommandModelGenerator (test sources) at build time: do not edit.\n");
    s.append("// The picocli model of every command, from constant annotation values.\n");
    s.append("@SuppressWarnings({\"unchecked\", \"rawtypes\", \"deprecation\", \"cast\"})\n");
    s.append("final class ").append(CLASS).append(" extends CommandModel.Generated {\n");
    s.append("  @Override\n");
    s.append(
        "  picocli.CommandLine.Model.CommandSpec spec(Object command,"
            + " picocli.CommandLine.IFactory f) {\n");
    s.append(
        "    String name = command instanceof Class<?> c ? c.getName() :"
            + " command.getClass().getName();\n");
    s.append("    try {\n");
    s.append("      switch (name) {\n");
    for (Class<?> c : commands.keySet()) {
      s.append("        case \"").append(c.getName()).append("\":\n");
      s.append("          return M").append(ids.get(c)).append(".build(command, f);\n");
    }
    s.append("        default:\n          return null;\n      }\n");
    s.append("    } catch (RuntimeException e) {\n      throw e;\n");
    s.append("    } catch (Exception e) {\n");
    s.append(
        "      throw new picocli.CommandLine.InitializationException(\"Could not build the model"
            + " of \" + name + \": \" + e, e);\n");
    s.append("    }\n  }\n\n");
    s.append("  @Override\n  String name(Class<?> command) {\n");
    s.append("    switch (command.getName()) {\n");
    for (Class<?> c : commands.keySet()) {
      Command cmd = c.getAnnotation(Command.class);
      s.append("      case \"").append(c.getName()).append("\":\n");
      s.append("        return ").append(literal(cmd.name())).append(";\n");
    }
    s.append("      default:\n        return null;\n    }\n  }\n\n");
    s.append("  @Override\n  String[] aliases(Class<?> command) {\n");
    s.append("    switch (command.getName()) {\n");
    for (Class<?> c : commands.keySet()) {
      Command cmd = c.getAnnotation(Command.class);
      s.append("      case \"").append(c.getName()).append("\":\n");
      s.append("        return ").append(literal(cmd.aliases())).append(";\n");
    }
    s.append("      default:\n        return new String[0];\n    }\n  }\n\n");
    s.append(body);
    for (Class<? extends Annotation> a : annotationTypes.keySet()) {
      s.append(annotationClass(a));
    }
    if (!hiddenClasses.isEmpty()) {
      s.append("  /** Classes that the source cannot name (picocli's private defaults). */\n");
      s.append("  private static final class Hidden {\n");
      s.append("    static final Class<?>[] CLASSES = {\n");
      for (String name : hiddenClasses.keySet()) {
        s.append("      load(").append(literal(name)).append("),\n");
      }
      s.append("    };\n\n");
      s.append("    private static Class<?> load(String name) {\n");
      s.append("      try {\n");
      s.append(
          "        return Class.forName(name, false, " + CLASS + ".class.getClassLoader());\n");
      s.append("      } catch (ClassNotFoundException e) {\n");
      s.append("        throw new IllegalStateException(\"picocli has no \" + name, e);\n");
      s.append("      }\n    }\n  }\n");
    }
    s.append("}\n");
    return s.toString();
  }

  /** The members of {@code c} (superclasses first, as picocli reads them). */
  private List<Field> members(Class<?> c) {
    List<Class<?>> hierarchy = new ArrayList<>();
    for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
      hierarchy.add(0, k);
    }
    List<Field> fields = new ArrayList<>();
    for (Class<?> k : hierarchy) {
      for (Method m : k.getDeclaredMethods()) {
        for (Annotation a : m.getDeclaredAnnotations()) {
          if (a.annotationType().getName().startsWith("picocli.")) {
            throw new Unsupported("annotated method " + m + " (only fields are generated)");
          }
        }
      }
      if (k != c && k.isAnnotationPresent(Command.class)) {
        throw new Unsupported("@Command on superclass " + k.getName() + " of " + c.getName());
      }
      for (Field f : k.getDeclaredFields()) {
        if (annotation(f) != null) {
          fields.add(f);
        }
      }
    }
    return fields;
  }

  private static Annotation annotation(Field f) {
    Annotation found = null;
    for (Class<? extends Annotation> a : MEMBER_ANNOTATIONS) {
      Annotation x = f.getAnnotation(a);
      if (x != null) {
        if (found != null) {
          throw new Unsupported("two picocli annotations on " + f);
        }
        found = x;
      }
    }
    return found;
  }

  private void emitClass(Class<?> c) {
    int id = ids.get(c);
    List<Field> fields = members(c);
    String type = sourceName(c);
    // the member class: reads and writes each annotated field with a switch
    body.append("  /** The annotated fields of {@code ").append(c.getName()).append("}. */\n");
    body.append("  private static final class M").append(id).append(" extends GeneratedMember {\n");
    body.append("    M")
        .append(id)
        .append(
            "(int member, java.lang.annotation.Annotation a, String name, String field,"
                + " String toString, picocli.CommandLine.Model.ITypeInfo t,"
                + " picocli.CommandLine.Model.IScope s) {\n");
    body.append("      super(member, a, name, field, toString, t, s);\n    }\n\n");
    body.append("    @Override\n    Object read(Object target) {\n");
    body.append("      switch (member) {\n");
    for (int i = 0; i < fields.size(); i++) {
      Field f = fields.get(i);
      body.append("        case ").append(i).append(":\n");
      body.append("          return ((")
          .append(sourceName(f.getDeclaringClass()))
          .append(") target).")
          .append(f.getName())
          .append(";\n");
    }
    body.append(
        "        default:\n          throw new IllegalStateException();\n      }\n    }\n\n");
    body.append("    @Override\n    void write(Object target, Object value) {\n");
    body.append("      switch (member) {\n");
    for (int i = 0; i < fields.size(); i++) {
      Field f = fields.get(i);
      checkAccessible(f);
      body.append("        case ").append(i).append(":\n");
      if (Modifier.isFinal(f.getModifiers())) {
        if (!f.isAnnotationPresent(Mixin.class)) {
          throw new Unsupported("final field " + f + " with a picocli annotation");
        }
        body.append("          throw new IllegalStateException(")
            .append(literal("final field " + f + ": its constructor sets it"))
            .append(");\n");
      } else {
        body.append("          ((")
            .append(sourceName(f.getDeclaringClass()))
            .append(") target).")
            .append(f.getName())
            .append(" = (")
            .append(boxedSourceName(f.getType()))
            .append(") value;\n          return;\n");
      }
    }
    body.append(
        "        default:\n          throw new IllegalStateException();\n      }\n    }\n\n");
    if (groupClasses.contains(c)) {
      emitGroupMembers(c, id, fields);
    }
    if (reference.containsKey(c)) {
      emitBuild(c, id, fields);
    }
    body.append("  }\n\n");
  }

  /**
   * The generated expression for field {@code i} of class {@code id}: its binding, with the
   * annotation's constant values, the field's name, its reflective strings and its type.
   */
  private String element(int id, int i, Field f, Annotation a) {
    return "new M"
        + id
        + "("
        + i
        + ", "
        + annotationValue(a)
        + ", "
        + literal(f.getName())
        + ", "
        + literal(f.toString())
        + ", "
        + literal(toString(f, a))
        + ", "
        + typeInfo(f)
        + ", scope)";
  }

  /** The static build method of a command or mixin class. */
  private void emitBuild(Class<?> c, int id, List<Field> fields) {
    CommandSpec ref = reference.get(c);
    body.append("  /** The model of {@code ").append(c.getName()).append("}. */\n");
    body.append(
        "  static picocli.CommandLine.Model.CommandSpec build(Object command,"
            + " picocli.CommandLine.IFactory f) throws Exception {\n");
    body.append(
        "    picocli.CommandLine.Model.CommandSpec spec ="
            + " picocli.CommandLine.Model.CommandSpec.wrapWithoutInspection(command, f);\n");
    body.append(
        "    picocli.CommandLine.Model.IScope scope = new GeneratedMember.CommandScope(spec);\n");
    Command cmd = c.getAnnotation(Command.class);
    if (cmd != null) {
      checkCommand(c, cmd);
      body.append("    spec.updateCommandAttributes(")
          .append(annotationValue(cmd))
          .append(", f);\n");
    }
    for (int i = 0; i < fields.size(); i++) {
      Field f = fields.get(i);
      Annotation a = annotation(f);
      String element = element(id, i, f, a);
      body.append("    {\n      M").append(id).append(" e = ").append(element).append(";\n");
      if (a instanceof Option) {
        body.append(
            "      spec.add(picocli.CommandLine.Model.OptionSpec.builder(e, f).build());\n");
      } else if (a instanceof Parameters) {
        if (cmd == null) {
          throw new Unsupported("@Parameters in mixin " + c.getName());
        }
        body.append(
            "      spec.add(picocli.CommandLine.Model.PositionalParamSpec.builder(e, f).build());\n");
      } else if (a instanceof Mixin) {
        Class<?> mc = f.getType();
        if (!ids.containsKey(mc)) {
          throw new Unsupported("mixin " + f + " not in picocli's model");
        }
        body.append("      Object o;\n");
        body.append("      try {\n        o = e.get();\n        if (o == null) {\n");
        body.append("          o = f.create(").append(classRef(mc)).append(");\n");
        body.append("          e.set(o);\n        }\n");
        body.append("      } catch (Exception x) {\n");
        body.append(
            "        throw new picocli.CommandLine.InitializationException(\"Could not access or"
                + " modify mixin member \" + e + \": \" + x, x);\n");
        body.append("      }\n");
        body.append("      picocli.CommandLine.Model.CommandSpec mixin = M")
            .append(ids.get(mc))
            .append(".build(o, f).withToString(e.getToString());\n");
        body.append("      spec.addMixin(e.getMixinName(), mixin, e);\n");
        body.append(
            "      for (picocli.CommandLine.Model.IAnnotatedElement s : mixin.specElements()) {\n");
        body.append(
            "        if (s.getAnnotation(picocli.CommandLine.Spec.class).value()"
                + " == picocli.CommandLine.Spec.Target.MIXEE) {\n");
        body.append("          s.setter().set(spec);\n        }\n      }\n");
      } else if (a instanceof ArgGroup) {
        emitGroup(c, f, ref);
      } else if (a instanceof Spec s) {
        body.append("      spec.addSpecElement(e);\n");
        if (s.value() == Spec.Target.SELF) {
          body.append("      e.set(spec);\n");
        }
      } else if (a instanceof ParentCommand) {
        body.append("      spec.addParentCommandElement(e);\n");
      } else {
        throw new Unsupported(a.annotationType().getSimpleName() + " on " + f);
      }
      body.append("    }\n");
    }
    body.append("    spec.mixinStandardHelpOptions(false);\n");
    body.append("    return spec;\n  }\n");
  }

  /** As picocli's extractArgGroupSpec for a single-valued group field without an instance. */
  private void emitGroup(Class<?> owner, Field f, CommandSpec ref) {
    Class<?> gc = f.getType();
    ITypeInfo ti = typeInfos.get(f);
    if (ti == null || ti.isMultiValue()) {
      throw new Unsupported("@ArgGroup " + f + ": only single-valued group fields are generated");
    }
    try {
      Object instance = ref.userObject();
      if (owner.isInstance(instance)) {
        f.setAccessible(true);
        if (f.get(instance) != null) {
          throw new Unsupported("@ArgGroup " + f + " with an initial instance");
        }
      }
    } catch (IllegalAccessException e) {
      throw new Unsupported("cannot read " + f);
    }
    body.append("      Object g = null;\n");
    body.append("      try {\n        g = e.get();\n      } catch (Exception ignored) {\n");
    body.append("        // as picocli: no instance\n      }\n");
    body.append(
        "      picocli.CommandLine.Model.IScope groupScope = new GeneratedMember.Scope(g);\n");
    body.append(
        "      picocli.CommandLine.Model.ArgGroupSpec.Builder group ="
            + " picocli.CommandLine.Model.ArgGroupSpec.builder(e);\n");
    body.append(
        "      group.updateArgGroupAttributes(e.getAnnotation(picocli.CommandLine.ArgGroup.class));\n");
    body.append("      M").append(ids.get(gc)).append(".group(group, groupScope, f);\n");
    body.append("      spec.addArgGroup(group.build());\n");
  }

  /** The members of a group class, added to its builder. */
  private void emitGroupMembers(Class<?> c, int id, List<Field> fields) {
    if (c.isAnnotationPresent(Command.class)) {
      throw new Unsupported("@Command on group class " + c.getName());
    }
    body.append("  /** The members of group class {@code ").append(c.getName()).append("}. */\n");
    body.append("  static void group")
        .append(
            "(picocli.CommandLine.Model.ArgGroupSpec.Builder group,"
                + " picocli.CommandLine.Model.IScope scope, picocli.CommandLine.IFactory f) {\n");
    for (int i = 0; i < fields.size(); i++) {
      Field f = fields.get(i);
      Annotation a = annotation(f);
      String element = element(id, i, f, a);
      if (a instanceof Option) {
        body.append("    group.addArg(picocli.CommandLine.Model.OptionSpec.builder(")
            .append(element)
            .append(", f).build());\n");
      } else if (a instanceof Parameters) {
        body.append("    group.addArg(picocli.CommandLine.Model.PositionalParamSpec.builder(")
            .append(element)
            .append(", f).build());\n");
      } else if (a instanceof Spec) {
        body.append("    group.addSpecElement(").append(element).append(");\n");
      } else {
        throw new Unsupported(a.annotationType().getSimpleName() + " in group class: " + f);
      }
    }
    body.append("  }\n");
  }

  private void checkCommand(Class<?> c, Command cmd) {
    if (cmd.subcommands().length > 0) {
      throw new Unsupported(c.getName() + " lists subcommands in @Command (CommandTree adds them)");
    }
    if (cmd.mixinStandardHelpOptions()) {
      throw new Unsupported(c.getName() + ": mixinStandardHelpOptions (built by reflection)");
    }
    if (!cmd.resourceBundle().isEmpty()) {
      throw new Unsupported(c.getName() + ": resourceBundle");
    }
    for (Field f : cmd.versionProvider().getDeclaredFields()) {
      if (annotation(f) != null) {
        throw new Unsupported("annotated field in version provider " + f);
      }
    }
  }

  /** What picocli's TypedMember.getToString says of the field. */
  private static String toString(Field f, Annotation a) {
    String generic = abbreviate(f.toGenericString());
    return a instanceof Mixin ? abbreviate("mixin from member " + generic) : "field " + generic;
  }

  private static String abbreviate(String text) {
    return text.replace("private ", "")
        .replace("protected ", "")
        .replace("public ", "")
        .replace("java.lang.", "");
  }

  private String typeInfo(Field f) {
    ITypeInfo t = typeInfos.get(f);
    if (t == null) {
      throw new Unsupported("no type information in picocli's model for " + f);
    }
    if (!t.getClass().getName().equals("picocli.CommandLine$Model$RuntimeTypeInfo")) {
      throw new Unsupported("type information of " + f + " is a " + t.getClass());
    }
    StringBuilder b = new StringBuilder("new GeneratedMember.TypeInfo(");
    b.append(classRef(t.getType())).append(", new Class<?>[] {");
    Class<?>[] aux = t.getAuxiliaryTypes();
    for (int i = 0; i < aux.length; i++) {
      b.append(i == 0 ? "" : ", ").append(classRef(aux[i]));
    }
    b.append("}, java.util.List.of(");
    List<String> generic = t.getActualGenericTypeArguments();
    for (int i = 0; i < generic.size(); i++) {
      b.append(i == 0 ? "" : ", ").append(literal(generic.get(i)));
    }
    return b.append("))").toString();
  }

  /** {@code new OptionValue(new Object[] {...})}: the annotation's values as a constant. */
  private String annotationValue(Annotation a) {
    Class<? extends Annotation> type = a.annotationType();
    annotationTypes.put(type, true);
    StringBuilder b = new StringBuilder("new ").append(valueClass(type)).append("(new Object[] {");
    List<Method> methods = attributes(type);
    for (int i = 0; i < methods.size(); i++) {
      Object v;
      try {
        v = methods.get(i).invoke(a);
      } catch (ReflectiveOperationException e) {
        throw new Unsupported("cannot read " + methods.get(i));
      }
      b.append(i == 0 ? "" : ", ").append(value(v, methods.get(i)));
    }
    return b.append("})").toString();
  }

  private static List<Method> attributes(Class<? extends Annotation> type) {
    List<Method> methods = new ArrayList<>(Arrays.asList(type.getDeclaredMethods()));
    methods.sort(Comparator.comparing(Method::getName));
    return methods;
  }

  private static String valueClass(Class<? extends Annotation> type) {
    return type.getSimpleName() + "Value";
  }

  private String value(Object v, Method attribute) {
    if (v instanceof String s) {
      return literal(s);
    } else if (v instanceof String[] a) {
      return literal(a);
    } else if (v instanceof Boolean || v instanceof Integer) {
      return v.toString();
    } else if (v instanceof Character ch) {
      return String.format("'\\u%04x'", (int) ch);
    } else if (v instanceof Long) {
      return v + "L";
    } else if (v instanceof Enum<?> e) {
      return sourceName(e.getDeclaringClass()) + "." + e.name();
    } else if (v instanceof Class<?> c) {
      return classRef(c);
    } else if (v instanceof Class<?>[] cs) {
      StringBuilder b = new StringBuilder("new Class<?>[] {");
      for (int i = 0; i < cs.length; i++) {
        b.append(i == 0 ? "" : ", ").append(classRef(cs[i]));
      }
      return b.append("}").toString();
    }
    throw new Unsupported("annotation value of type " + v.getClass() + " (" + attribute + ")");
  }

  /** A class implementing the annotation interface with constant values. */
  private String annotationClass(Class<? extends Annotation> type) {
    StringBuilder b = new StringBuilder();
    String name = valueClass(type);
    b.append("  /** Values of a {@code @").append(type.getSimpleName()).append("}. */\n");
    b.append("  private static final class ")
        .append(name)
        .append(" implements ")
        .append(sourceName(type))
        .append(" {\n");
    b.append("    private final Object[] v;\n\n");
    b.append("    ").append(name).append("(Object[] v) {\n      this.v = v;\n    }\n\n");
    b.append("    @Override\n    public Class<? extends java.lang.annotation.Annotation>")
        .append(" annotationType() {\n      return ")
        .append(sourceName(type))
        .append(".class;\n    }\n");
    List<Method> methods = attributes(type);
    for (int i = 0; i < methods.size(); i++) {
      Method m = methods.get(i);
      String returns = typeName(m.getGenericReturnType());
      b.append("\n    @Override\n    public ")
          .append(returns)
          .append(" ")
          .append(m.getName())
          .append("() {\n      return ");
      Class<?> r = m.getReturnType();
      if (r.isPrimitive()) {
        b.append("(").append(boxedSourceName(r)).append(") v[").append(i).append("]");
      } else if (r.isArray()) {
        b.append("((").append(returns).append(") v[").append(i).append("]).clone()");
      } else {
        b.append("(").append(returns).append(") v[").append(i).append("]");
      }
      b.append(";\n    }\n");
    }
    b.append("  }\n\n");
    return b.toString();
  }

  private static String typeName(Type t) {
    if (t instanceof Class<?> c) {
      return c.isArray() ? typeName(c.getComponentType()) + "[]" : sourceName(c);
    } else if (t instanceof ParameterizedType p) {
      StringBuilder b = new StringBuilder(typeName(p.getRawType())).append("<");
      Type[] args = p.getActualTypeArguments();
      for (int i = 0; i < args.length; i++) {
        b.append(i == 0 ? "" : ", ").append(typeName(args[i]));
      }
      return b.append(">").toString();
    } else if (t instanceof WildcardType w) {
      if (w.getLowerBounds().length > 0) {
        return "? super " + typeName(w.getLowerBounds()[0]);
      }
      Type upper = w.getUpperBounds()[0];
      return upper == Object.class ? "?" : "? extends " + typeName(upper);
    } else if (t instanceof GenericArrayType a) {
      return typeName(a.getGenericComponentType()) + "[]";
    }
    throw new Unsupported("type " + t);
  }

  /** {@code X.class}, or a lookup by name for a class the generated source cannot name. */
  private String classRef(Class<?> c) {
    if (accessible(c)) {
      return sourceName(c) + ".class";
    }
    Integer i = hiddenClasses.get(c.getName());
    if (i == null) {
      i = hiddenClasses.size();
      hiddenClasses.put(c.getName(), i);
    }
    return "Hidden.CLASSES[" + i + "]";
  }

  private static boolean accessible(Class<?> c) {
    while (c.isArray()) {
      c = c.getComponentType();
    }
    if (c.isPrimitive()) {
      return true;
    }
    for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
      int m = k.getModifiers();
      boolean samePackage = k.getPackageName().equals(PACKAGE);
      if (Modifier.isPrivate(m) || (!Modifier.isPublic(m) && !samePackage)) {
        return false;
      }
      if (k.isAnonymousClass() || k.isLocalClass()) {
        return false;
      }
    }
    return true;
  }

  private static void checkAccessible(Field f) {
    if (Modifier.isPrivate(f.getModifiers())) {
      throw new Unsupported("private field " + f + " (make it package-private)");
    }
    if (!accessible(f.getDeclaringClass()) || !accessible(f.getType())) {
      throw new Unsupported("field " + f + ": its class or type is not visible in " + PACKAGE);
    }
  }

  private static String sourceName(Class<?> c) {
    if (c.isArray()) {
      return sourceName(c.getComponentType()) + "[]";
    }
    String canonical = c.getCanonicalName();
    if (canonical == null) {
      throw new Unsupported("class without a canonical name: " + c);
    }
    return canonical;
  }

  private static final Map<Class<?>, Class<?>> BOXES = new IdentityHashMap<>();

  static {
    BOXES.put(boolean.class, Boolean.class);
    BOXES.put(int.class, Integer.class);
    BOXES.put(long.class, Long.class);
    BOXES.put(short.class, Short.class);
    BOXES.put(byte.class, Byte.class);
    BOXES.put(char.class, Character.class);
    BOXES.put(float.class, Float.class);
    BOXES.put(double.class, Double.class);
  }

  private static String boxedSourceName(Class<?> c) {
    return c.isPrimitive() ? sourceName(BOXES.get(c)) : sourceName(c);
  }

  static String literal(String[] a) {
    StringBuilder b = new StringBuilder("new String[] {");
    for (int i = 0; i < a.length; i++) {
      b.append(i == 0 ? "" : ", ").append(literal(a[i]));
    }
    return b.append("}").toString();
  }

  /** A Java string literal, ASCII only (other characters as escapes). */
  static String literal(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (ch < 0x20 || ch > 0x7e) {
            b.append(String.format("\\u%04x", (int) ch));
          } else {
            b.append(ch);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
